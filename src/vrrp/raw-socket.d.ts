// Types for raw-socket 1.8.1 (the package ships none): only what raw-transport.ts uses.
declare module 'raw-socket' {
  import type { EventEmitter } from 'node:events';

  interface SocketOptions {
    protocol?: number;
    addressFamily?: number;
    bufferSize?: number;
  }

  interface RawSocket extends EventEmitter {
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'close', listener: () => void): this;
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): this;
    setOption(level: number, option: number, value: number): void;
    setOption(level: number, option: number, value: Buffer, length: number): void;
    close(): this;
    pauseRecv(): this;
    resumeRecv(): this;
  }

  interface RawSocketModule {
    createSocket(options: SocketOptions): RawSocket;
    AddressFamily: { IPv4: number; IPv6: number };
    SocketLevel: Record<string, number>;
    SocketOption: Record<string, number>;
  }

  // A CommonJS module: `import raw from 'raw-socket'` in ESM receives module.exports.
  const raw: RawSocketModule;
  export = raw;
}
