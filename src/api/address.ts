/**
 * Address parsing for the API schemas. The codec lives in src/net/ip-codec.ts (pure, no
 * dependencies but ipaddr.js), imported by file rather than through src/net's index so the API
 * layer does not load the network adapters.
 */
export {
  formatHostPort,
  isIP,
  parseAddressWithPrefix,
  parseIP,
  type Family,
  type IpAddress,
  type ParsedIP,
  type ParsedPrefix,
} from '../net/ip-codec.js';
