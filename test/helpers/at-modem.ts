/**
 * An AT modem simulator (SIM7600-like) answering AT, ATE0/ATE1, AT+CSQ, AT+CREG?, AT+COPS?,
 * AT+CFUN=<n>[,<rst>] and AT+CFUN?, with scriptable faults per command (ERROR, +CME ERROR, silence).
 * Transport-free core (`AtModemSim`) plus two transports: a real serial path (the host side of a
 * socat PTY pair) and serialport's MockBinding.
 */

import { mockDevice, serveDevice } from './serial-device.js';

export type AtFault = 'error' | 'cme-error' | 'silent';

export class AtModemSim {
  echo = true;
  /** 1: full functionality; 4: flight mode; 0: minimum. */
  cfun = 1;
  csq = '17,99';
  creg = '0,1';
  cops = '0,0,"Operator",7';
  /** Every command line received, in order (also the ones left unanswered). */
  readonly received: string[] = [];
  /** How many times AT+CFUN=1,1 reset the modem. */
  resets = 0;
  private readonly faults = new Map<string, AtFault>();
  private everything: AtFault | undefined;
  private rx = '';

  /** Answer `command` (e.g. 'AT+COPS?') with this fault until called with undefined. */
  fault(command: string, fault: AtFault | undefined): this {
    if (fault) this.faults.set(command.toUpperCase(), fault);
    else this.faults.delete(command.toUpperCase());
    return this;
  }

  /** Every command gets this fault (e.g. 'silent': a modem that is powered off). */
  faultAll(fault: AtFault | undefined): this {
    this.everything = fault;
    return this;
  }

  /** Feeds received bytes; returns what the modem sends back. */
  handle(chunk: Buffer): Buffer[] {
    this.rx += chunk.toString('latin1');
    const replies: Buffer[] = [];
    let end = this.rx.search(/[\r\n]/);
    while (end !== -1) {
      const line = this.rx.slice(0, end).trim();
      this.rx = this.rx.slice(end + 1);
      if (line) {
        this.received.push(line);
        const reply = this.reply(line);
        if (reply) replies.push(Buffer.from(reply, 'latin1'));
      }
      end = this.rx.search(/[\r\n]/);
    }
    return replies;
  }

  private reply(line: string): string | undefined {
    const command = line.toUpperCase();
    const fault = this.everything ?? this.faults.get(command);
    if (fault === 'silent') return undefined;
    const echo = this.echo ? `${line}\r` : '';
    if (fault === 'error') return `${echo}\r\nERROR\r\n`;
    if (fault === 'cme-error') return `${echo}\r\n+CME ERROR: 10\r\n`;
    const answer = this.answer(command);
    if (answer === undefined) return `${echo}\r\nERROR\r\n`;
    return `${echo}${answer.map((info) => `\r\n${info}\r\n`).join('')}\r\nOK\r\n`;
  }

  /** Information lines for a command (empty: just OK), or undefined for an unknown command. */
  private answer(command: string): string[] | undefined {
    const radioOn = this.cfun === 1;
    if (command === 'AT') return [];
    if (command === 'ATE0' || command === 'ATE1') {
      this.echo = command === 'ATE1';
      return [];
    }
    if (command === 'AT+CSQ') return [`+CSQ: ${radioOn ? this.csq : '99,99'}`];
    if (command === 'AT+CREG?') return [`+CREG: ${radioOn ? this.creg : '0,0'}`];
    if (command === 'AT+COPS?') return [`+COPS: ${radioOn ? this.cops : '0'}`];
    if (command === 'AT+CFUN?') return [`+CFUN: ${this.cfun}`];
    const cfun = /^AT\+CFUN=([014])(?:,([01]))?$/.exec(command);
    if (cfun) {
      this.cfun = Number(cfun[1]);
      if (cfun[2] === '1') {
        this.resets++;
        this.cfun = 1;
      }
      return [];
    }
    return undefined;
  }
}

/** Serves `sim` on a real serial path (e.g. PtyPair.hostPath). */
export const serveAtModem = (path: string, sim: AtModemSim) => serveDevice(path, sim);

/** A MockBinding device at `path` answered by `sim`, with unplug() and replug(). */
export const mockAtModem = (path: string, sim: AtModemSim) => mockDevice(path, sim);
