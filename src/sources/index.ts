// Where desired state comes from: manifest text and folders, and the Kubernetes API.
export * from './manifest-text.js';
export * from './manifest-set.js';
export * from './manifest-files.js';
export * from './last-good.js';
export * from './folder.js';
export * from './kube.js';
export * from './kube-secrets.js';
