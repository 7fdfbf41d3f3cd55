/** Per-core targets from DESIGN.md "Performance" and issue 6, on the embedded PostgreSQL. */
export const TARGETS = {
  /** Password sign-ins (whole code flow) as a share of the bare argon2id verify rate. */
  signInShareOfBareHash: 0.9,
  /** Passkey sign-ins (whole code flow, no password hash). */
  passkeySignInPerSecond: 250,
  clientCredentialsPerSecond: 1_000,
  refreshPerSecond: 600,
  userinfoPerSecond: 2_000,
  introspectionPerSecond: 2_000,
  portalPagesPerSecond: 3_000,
  portalP99Ms: 20,
  residentMemoryMb: 200,
} as const;

/** Published figures to read ours against; not the same hardware, hash parameters or storage. */
export const REFERENCES = {
  signIn: 'Keycloak: 15/s per vCPU (argon2 7 MiB, t=5)',
  bareHash: 'DESIGN.md: ~57/s on one core here',
  passkeySignIn: '—',
  clientCredentials: 'Keycloak: 120/s per vCPU; Hydra: 513/s on 2 CPUs (in-memory)',
  refresh: 'Keycloak: 120/s per vCPU',
  userinfo: '—',
  introspection: 'Hydra: 5,109/s on 2 CPUs (in-memory)',
  portalPages: '—',
  memory: 'Keycloak: 1,250 MB per instance',
} as const;
