import dns2 from 'dns2';

const { Packet } = dns2;

/** A DNS server on loopback whose TXT records the test sets: what `DNS_SERVERS` points the portal at. */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as `DNS_SERVERS` takes it. */
  readonly address: string;
  /** Publish a name's TXT records (replacing any); `[]` makes it a name with no TXT record (NODATA). */
  setTxt(name: string, values: readonly string[]): void;
  /** The name no longer exists (NXDOMAIN). */
  remove(name: string): void;
  /** While down, every query is answered SERVFAIL: a resolver that cannot answer. */
  setDown(down: boolean): void;
  /** The TXT questions asked so far, names in lower case. */
  readonly questions: readonly string[];
  close(): Promise<void>;
}

/**
 * A real DNS server (dns2, UDP) on a free loopback port. Unknown names answer NXDOMAIN, as an
 * authoritative server would; records are served with a TTL of 0 so no cache keeps them.
 *
 * @example
 *   const dns = await startTestDnsServer();
 *   dns.setTxt('_gatehouse-challenge.contoso.test', ['gatehouse-domain-verification=…']);
 *   const portal = await startTestPortal(idp, { DNS_SERVERS: dns.address });
 */
export async function startTestDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, readonly string[]>();
  const questions: string[] = [];
  let down = false;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question?.name.toLowerCase().replace(/\.$/, '') ?? '';
      if (question?.type === Packet.TYPE.TXT) questions.push(name);
      const values = records.get(name);
      if (down) response.header.rcode = Packet.RCODE.SERVFAIL;
      else if (!values) response.header.rcode = Packet.RCODE.NXDOMAIN;
      else if (question?.type === Packet.TYPE.TXT)
        for (const data of values)
          response.answers.push(
            Packet.createResourceFromQuestion(question, {
              type: Packet.TYPE.TXT,
              class: Packet.CLASS.IN,
              ttl: 0,
              data,
            }),
          );
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return {
    address: `127.0.0.1:${addresses.udp!.port}`,
    setTxt: (name, values) => records.set(name.toLowerCase(), [...values]),
    remove: (name) => records.delete(name.toLowerCase()),
    setDown: (value) => {
      down = value;
    },
    questions,
    close: () => server.close(),
  };
}
