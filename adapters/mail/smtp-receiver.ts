import type { AddressInfo } from 'node:net';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A message as an SMTP client delivered it, parsed. */
export interface ReceivedMail {
  /** The `From` header: display name (may be empty) and address. */
  readonly from: { readonly name: string; readonly address: string };
  /** Envelope recipients: who the message was actually delivered to. */
  readonly to: readonly string[];
  readonly subject: string;
  readonly date: Date;
  readonly text: string;
  readonly html: string;
}

export interface SmtpReceiverOptions {
  readonly host?: string;
  readonly port?: number;
  readonly onMail: (mail: ReceivedMail) => void;
  /** When this returns false, new sessions and new messages get `421`: senders must retry later. */
  readonly isAvailable?: () => boolean;
  /** Connection-level failures (a client resetting its socket); ignored unless given. */
  readonly onError?: (error: Error) => void;
}

export interface SmtpReceiver {
  /** `smtp://host:port`, usable as `SMTP_URL`. */
  readonly url: string;
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * A real SMTP server for development and tests: no TLS, no authentication, so bind it to loopback
 * only (the default). Each message is parsed and handed to `onMail` before it is acknowledged, so
 * a sender that saw `250` can rely on the message having been received.
 *
 * @example
 *   const receiver = await startSmtpReceiver({ onMail: (m) => inbox.push(m) });
 *   createSmtpTransport(receiver.url);
 */
export async function startSmtpReceiver(options: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const available = options.isAvailable ?? (() => true);
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    // Lingering client connections must not hold a test run's teardown for the 30 s default.
    closeTimeout: 500,
    onConnect: (_session, callback) => callback(available() ? null : unavailable()),
    onMailFrom: (_address, _session, callback) => callback(available() ? null : unavailable()),
    onData: (stream, session, callback) => {
      receive(stream, session)
        .then(options.onMail)
        .then(
          () => callback(null, 'Message received'),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  // smtp-server re-emits every client socket error on the server: without a listener, one client
  // dropping its connection would crash the process. That client's failure is its own to report.
  server.on('error', options.onError ?? (() => {}));
  return {
    url: `smtp://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// RFC 5321 §4.2.3: 421 is "service not available, closing transmission channel"; a client keeps
// the message and tries again later, which is exactly what an outage looks like to the outbox.
function unavailable(): Error {
  return Object.assign(new Error('Service not available, try again later'), { responseCode: 421 });
}

async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<ReceivedMail> {
  const parsed = await simpleParser(stream);
  if (stream.sizeExceeded) throw Object.assign(new Error('Message too large'), { responseCode: 552 });
  return {
    from: fromHeader(parsed),
    to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    subject: parsed.subject ?? '',
    date: parsed.date ?? new Date(),
    text: parsed.text ?? '',
    html: parsed.html || '',
  };
}

function fromHeader(parsed: ParsedMail): ReceivedMail['from'] {
  const from: AddressObject | undefined = parsed.from;
  const first = from?.value[0];
  return { name: first?.name ?? '', address: first?.address ?? '' };
}

function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}
