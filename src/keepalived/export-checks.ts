import type { HealthCheck } from '../api/index.js';
import type { DiagnosticSink, SourcePos } from './diagnostics.js';
import { script, secs, word, type Writer } from './export-writer.js';

/** Reports a field that keepalived.conf cannot say. */
export function unexpressible(sink: DiagnosticSink, at: SourcePos, what: string, present: boolean): void {
  if (present) sink.warning(at, 'KA_NOT_CARRIED', `${what} has no keepalived.conf equivalent; left out`);
}

const CHECKER_KEYWORD: Readonly<Record<HealthCheck['type'], string>> = {
  HTTP: 'HTTP_GET',
  HTTPS: 'SSL_GET',
  TCP: 'TCP_CHECK',
  SMTP: 'SMTP_CHECK',
  DNS: 'DNS_CHECK',
  UDP: 'UDP_CHECK',
  PING: 'PING_CHECK',
  MISC: 'MISC_CHECK',
  FILE: 'FILE_CHECK',
};

/** Where checker blocks are written, and the track_file blocks they need. */
export interface CheckWriting {
  readonly w: Writer;
  readonly sink: DiagnosticSink;
  readonly at: SourcePos;
  readonly trackFiles: string[];
}

/** One health check as a checker block, with its resolved timers. */
export function writeCheck(cw: CheckWriting, c: HealthCheck, trackFileName: () => string): void {
  const { w } = cw;
  w.block(CHECKER_KEYWORD[c.type], () => {
    w.line(`delay_loop ${secs(c.interval)}`);
    w.line(`${c.type === 'MISC' ? 'misc_timeout' : 'connect_timeout'} ${secs(c.timeout)}`);
    if (c.retry !== undefined) w.line(`retry ${c.retry}`);
    if (c.delayBeforeRetry !== undefined) w.line(`delay_before_retry ${secs(c.delayBeforeRetry)}`);
    if (c.warmup !== undefined) w.line(`warmup ${secs(c.warmup)}`);
    if (c.connectIP) w.line(`connect_ip ${c.connectIP}`);
    if (c.connectPort !== undefined) w.line(`connect_port ${c.connectPort}`);
    if (c.bindTo) w.line(`bindto ${c.bindTo}`);
    if (c.bindInterface) w.line(`bind_if ${c.bindInterface}`);
    if (c.http) {
      const h = c.http;
      if (h.virtualhost !== undefined) w.line(`virtualhost ${word(h.virtualhost)}`);
      if (h.httpVersion === '1.1') w.line('http_protocol 1.1');
      if (h.tls) w.line('enable_sni');
      unexpressible(
        cw.sink,
        cw.at,
        'tls verify, caFile and caSecretRef',
        h.tls !== undefined && (h.tls.verify || h.tls.caFile !== undefined || h.tls.caSecretRef !== undefined),
      );
      for (const u of h.urls) {
        w.block('url', () => {
          w.line(`path ${word(u.path)}`);
          if (u.statusCodes?.length) w.line(`status_code ${u.statusCodes.join(' ')}`);
          if (u.digest) w.line(`digest ${u.digest}`);
          if (u.virtualhost !== undefined) w.line(`virtualhost ${word(u.virtualhost)}`);
          if (u.regex !== undefined) w.line(`regex ${word(u.regex)}`);
          if (u.regexNoMatch) w.line('regex_no_match');
        });
      }
    }
    if (c.smtp) {
      w.line(`helo_name ${word(c.smtp.heloName)}`);
      unexpressible(cw.sink, cw.at, 'smtp greeting EHLO', c.smtp.greeting === 'EHLO');
    }
    if (c.dns) {
      w.line(`type ${c.dns.queryType}`);
      w.line(`name ${word(c.dns.name)}`);
    }
    if (c.udp) {
      if (c.udp.payload) w.line(`payload ${c.udp.payload}`);
      if (c.udp.requireReply) w.line(`require_reply${c.udp.replyPayload ? ` ${c.udp.replyPayload}` : ''}`);
      if (c.udp.minReplyLength !== undefined) w.line(`min_reply_length ${c.udp.minReplyLength}`);
      if (c.udp.maxReplyLength !== undefined) w.line(`max_reply_length ${c.udp.maxReplyLength}`);
    }
    if (c.misc) {
      w.line(`misc_path ${script(c.misc.command)}`);
      if (c.misc.dynamic) w.line('misc_dynamic');
      if (c.misc.user !== undefined) w.line(`user ${word(c.misc.user)}`);
    }
    if (c.file) {
      const name = trackFileName();
      const f = c.file;
      cw.trackFiles.push(
        `track_file ${name} {\n    file ${word(f.path)}\n    weight ${f.weight}${f.reverse ? ' reverse' : ''}\n}`,
      );
      w.line(`track_file ${name}`);
    }
  });
}
