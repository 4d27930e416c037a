import { SyscallError } from './errors.js';

/** A failure a fake socket injects: the operation that fails and the errno name it reports. */
export interface InjectedFailure {
  readonly op: 'open' | 'send';
  readonly errnoName: string;
}

/** The lifecycle checks of one socket a fake opened. */
export interface FakeSocketState {
  /** Throws EBADF after close, or the injected errno when sends are set to fail. */
  beforeSend(): void;
  close(): void;
}

/**
 * Opens a fake socket as the kernel would fail it: throws the injected errno when opens are set
 * to fail. `failOn` is read at each call, so a test may change it while the socket is open;
 * `send` names the send syscall and the errno number an injected send failure carries.
 */
export function openFakeSocket(
  failOn: () => InjectedFailure | undefined,
  send: { readonly syscall: string; readonly errno: number },
): FakeSocketState {
  const opening = failOn();
  if (opening?.op === 'open') throw new SyscallError('socket', 1, opening.errnoName);
  let closed = false;
  return {
    beforeSend: () => {
      if (closed) throw new SyscallError(send.syscall, 9, 'EBADF');
      const f = failOn();
      if (f?.op === 'send') throw new SyscallError(send.syscall, send.errno, f.errnoName);
    },
    close: () => {
      closed = true;
    },
  };
}
