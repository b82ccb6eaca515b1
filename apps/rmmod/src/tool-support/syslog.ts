import { execFileSync } from 'node:child_process';

// kmod's -s/--syslog: log_open(true) sends the tool's messages to syslog(3), facility daemon,
// tagged with the program's name, as "PRIORITY: message", and nothing to stderr. These tools
// run on this host, so their syslog is this host's: logger(1) hands each message to it. Where
// there is no syslog (no logger, no /dev/log) the message is lost, as syslog(3) loses it.

const PRIORITY: Readonly<Record<string, string>> = { FATAL: 'crit', ERROR: 'err', WARNING: 'warning', NOTICE: 'notice', INFO: 'info', DEBUG: 'debug' };

/** A writer for a tool's messages (`program: PRIORITY: text`) that logs them instead of printing them. */
export function syslogWriter(program: string): (message: string) => void {
  return (message) => {
    const match = /^[^:]+: ([A-Z]+): ([\s\S]*)$/.exec(message);
    const level = match?.[1] ?? 'ERROR';
    const text = (match?.[2] ?? message).trimEnd();
    try {
      execFileSync('logger', ['-t', program, '-p', `daemon.${PRIORITY[level] ?? 'err'}`, '--', `${level}: ${text}`], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // No syslog to take it: the message is dropped, never printed instead.
    }
  };
}
