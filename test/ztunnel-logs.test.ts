// The shapes of ztunnel's log lines (docs/ztunnel-logs.md, from ztunnel's src/telemetry.rs and
// src/proxy/metrics.rs) and the meaning of its error strings (§2.5).
import { describe, expect, it } from 'vitest';
import { parseLogText } from '../src/input/evidence.js';

const parseZtunnelLogs = (text: string, origin: string) => {
  const parsed = parseLogText(text, origin);
  return { records: parsed.ztunnel, skipped: parsed.unread };
};
import { signatureOf } from '../src/mesh/ztunnel-log-signatures.js';

const TEXT =
  '2026-11-30T20:41:07.118203Z\terror\taccess\tconnection complete\tsrc.addr=10.244.1.60:43210 ' +
  'src.workload="sleep" src.identity="spiffe://cluster.local/ns/legacy/sa/sleep" dst.addr=10.244.2.20:15008 ' +
  'dst.hbone_addr=10.244.2.20:5000 direction="inbound" bytes_sent=0 duration="0ms" ' +
  'error="connection closed due to policy rejection: explicitly denied by: hello/deny \\"all\\""';

describe('ztunnel log lines', () => {
  it('reads the text format: time, level, target, message, Debug-quoted fields', () => {
    const { records, skipped } = parseZtunnelLogs(TEXT, 'a.log');
    expect(skipped).toBe(0);
    expect(records[0]).toMatchObject({
      time: '2026-11-30T20:41:07.118203Z',
      level: 'error',
      target: 'access',
      message: 'connection complete',
      at: 'a.log:1',
    });
    expect(records[0].fields['src.addr']).toBe('10.244.1.60:43210');
    expect(records[0].fields['bytes_sent']).toBe('0');
    expect(records[0].fields.error).toBe(
      'connection closed due to policy rejection: explicitly denied by: hello/deny "all"',
    );
  });

  it('reads the JSON format (level, time, scope, message, fields)', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-11-30T20:41:07Z',
      scope: 'access',
      message: 'connection failed',
      'src.addr': '10.0.0.1:1',
      'dst.addr': '10.0.0.2:15008',
      direction: 'outbound',
      error: 'unknown waypoint: waypoint hello/waypoint not found',
    });
    const [r] = parseZtunnelLogs(line, 'b.log').records;
    expect(r).toMatchObject({ level: 'warn', target: 'access', message: 'connection failed' });
    expect(r.fields.direction).toBe('outbound');
  });

  it('accepts kubectl logs --timestamps and CRI prefixes, and counts other lines', () => {
    const text = [
      `2026-11-30T20:41:08.000000001Z ${TEXT}`,
      `2026-11-30T20:41:08Z stdout F ${TEXT}`,
      'garbage',
      '',
    ].join('\n');
    const { records, skipped } = parseZtunnelLogs(text, 'c.log');
    expect(records.map((r) => r.at)).toEqual(['c.log:1', 'c.log:2']);
    expect(skipped).toBe(1);
  });

  it.each([
    [
      'connection closed due to policy rejection: explicitly denied by: istio-system/istio_converted_static_strict',
      'explicit-deny',
    ],
    ['connection closed due to policy rejection: allow policies exist, but none allowed', 'allow-none-matched'],
    ['connection closed due to policy rejection', 'policy-rejection'],
    ['http status: 401 Unauthorized', 'hbone-401'],
    ['connection timed out, maybe a NetworkPolicy is blocking HBONE port 15008: deadline has elapsed', 'hbone-timeout'],
    ['connection failed: deadline has elapsed', 'app-timeout'],
    ['io error: Connection refused (os error 111)', 'hbone-refused'],
    ['connection failed: Connection refused (os error 111)', 'app-refused'],
    ['something new', undefined],
  ])('%s is %s', (error, id) => {
    expect(signatureOf(error)?.id).toBe(id);
  });
});
