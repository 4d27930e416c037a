/** Small valid objects that the rejection tests mutate one field at a time. */
export const vrrpGroup = () => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: { name: 'vi-1' },
  spec: {
    virtualRouterId: 51,
    interface: 'eth0',
    virtualIPs: [{ address: '192.168.105.253' }],
  } as Record<string, unknown>,
});

export const virtualServer = () => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VirtualServer',
  metadata: { name: 'web' },
  spec: {
    addresses: [{ ip: '192.168.105.253', port: 80 }],
    realServers: [{ address: '192.168.5.111', port: 80 }],
  } as Record<string, unknown>,
});

export const realServer = () => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'RealServer',
  metadata: { name: 'rs-1', labels: { app: 'web' } },
  spec: { address: '192.168.5.111', port: 80 } as Record<string, unknown>,
});

export const httpCheck = (extra: Record<string, unknown> = {}) => ({
  type: 'HTTP',
  http: { urls: [{ path: '/health_check.html' }] },
  ...extra,
});
