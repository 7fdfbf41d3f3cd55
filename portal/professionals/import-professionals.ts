import { createHash, randomUUID } from 'node:crypto';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { isId } from '../../adapters/db/ids.ts';
import { execute, query, queryIn, statement } from '../../adapters/db/statements.ts';
import { AppError } from '../../adapters/http/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { type Actor, nowOf, type PortalDomain } from '../domain.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import { administeredOrganization, lockAdministeredOrganization } from '../organizations/access.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { alreadyAProfessional, type RowProblem, readImportFile } from './import-file.ts';
import { applyRoles } from './mandatory-roles.ts';
import { type ImportRow, ProfessionalImport } from './professional-import.entity.ts';

/** Rows created between two flushes of an import's transaction. */
const FLUSH_EVERY = 250;

/** How long a preview waits for **Import**. */
const PREVIEW_TTL_MS = 30 * 60_000;

/** Who asks: an administrator of the organization (or its partner), in one browser session. */
interface ImportTarget {
  readonly actor: Actor;
  readonly organizationId: string;
  /** The browser's session id: a preview belongs to the session that uploaded it. */
  readonly sessionId: string;
}

/** What the preview shows: the rows that would be added, and every problem that stops the import. */
export interface ImportPreview {
  readonly organization: Organization;
  readonly fileName: string;
  readonly rows: readonly ImportRow[];
  readonly problems: readonly RowProblem[];
  /** Set when the file has no problem: the id of the stored preview that **Import** imports. */
  readonly previewId?: string;
}

const TAKEN = statement(
  'professional-import.taken',
  'select lower(email) as email from portal.professional where organization_id = $1 and lower(email) = any($2::text[])',
);

/**
 * Read an uploaded file and say what importing it would do, writing nothing but the preview
 * itself: a file without problems is kept on the server (`professional_import`, for this session
 * and organization, 30 minutes), so that **Import** adds exactly the rows shown, without a second
 * upload. Not an administrator of the organization: not found, before the file is even read.
 */
export async function previewImport(
  domain: PortalDomain,
  input: ImportTarget & { fileName: string; bytes: Uint8Array },
): Promise<ImportPreview> {
  const organization = await administeredOrganization(domain, input.actor, input.organizationId);
  const file = readImportFile(input.bytes);
  const taken = new Set(
    (
      await query<{ email: string }>(domain.orm, TAKEN, [
        organization.id,
        file.rows.map((r) => r.email.toLowerCase()),
      ])
    ).map((r) => r.email),
  );
  const problems = [
    ...file.problems,
    ...file.rows.filter((r) => taken.has(r.email.toLowerCase())).map(alreadyAProfessional),
  ].sort((a, b) => a.row - b.row);
  const rows = file.rows.filter((r) => !taken.has(r.email.toLowerCase()));
  const fileName = printableName(input.fileName);
  if (problems.length > 0) return { organization, fileName, rows, problems };
  const em = domain.orm.em.fork();
  const now = nowOf(domain);
  const preview = em.create(ProfessionalImport, {
    id: randomUUID(),
    organization: organization.id,
    sessionHash: sessionHash(input.sessionId),
    fileName,
    rows,
    createdAt: now,
    expiresAt: new Date(now.getTime() + PREVIEW_TTL_MS),
  });
  await em.flush();
  return { organization, fileName, rows, problems, previewId: preview.id };
}

/** A stored preview, for the page that shows it again (its own session and organization only). */
export async function storedPreview(
  domain: PortalDomain,
  input: ImportTarget & { previewId: string },
): Promise<ImportPreview> {
  const organization = await administeredOrganization(domain, input.actor, input.organizationId);
  const em = domain.orm.em.fork();
  const preview = await findPreview(em, organization, input, nowOf(domain));
  return {
    organization,
    fileName: preview.fileName,
    rows: preview.rows,
    problems: [],
    previewId: preview.id,
  };
}

/**
 * **Import**: every row of the preview becomes a professional, each invited by e-mail (the outbox,
 * `issueInvitation`), all in one transaction with the organization locked, or none. A row whose
 * address became a professional's since the preview fails the whole import, with a message. The
 * preview is used up. Mandatory roles are not touched: a row gives Administrator at most.
 */
export async function importProfessionals(
  domain: PortalDomain,
  input: ImportTarget & { previewId: string },
): Promise<{ organization: Organization; imported: number }> {
  // Flushed every FLUSH_EVERY rows and at commit: not before each query of each of up to 5,000 rows.
  return domain.orm.em.fork().transactional(
    async (tx) => {
      const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
      const preview = await findPreview(tx, organization, input, nowOf(domain), true);
      const taken = await queryIn<{ email: string }>(tx, TAKEN, [
        organization.id,
        preview.rows.map((r) => r.email.toLowerCase()),
      ]);
      if (taken.length > 0) throw becameProfessionals(taken.map((r) => r.email));
      for (const [index, row] of preview.rows.entries()) {
        // In batches, forgetting each once written: MikroORM's unit of work grows slower with
        // every entity it holds (5,000 rows took 33 s in one batch, 10 s like this).
        if (index > 0 && index % FLUSH_EVERY === 0) {
          await tx.flush();
          tx.clear();
        }
        const professional = tx.create(Professional, {
          id: randomUUID(),
          // A reference: `organization` (read for its id, name and roles) stays out of the batches.
          organization: tx.getReference(Organization, organization.id),
          givenName: row.givenName,
          familyName: row.familyName,
          email: row.email,
          phone: row.phone,
          jobTitle: row.jobTitle,
          isAdministrator: false,
          status: 'not_invited',
        });
        recordAudit(tx, {
          organizationId: organization.id,
          actor: input.actor,
          action: 'professional.added',
          target: professional.fullName(),
          detail: { import: preview.id },
        });
        await applyRoles(tx, input.actor, organization, professional, {
          administrator: row.administrator,
          billingContact: false,
          shippingContact: false,
        });
        await issueInvitation(tx, domain, input.actor, organization, professional);
      }
      await tx.nativeDelete(ProfessionalImport, { id: preview.id });
      recordAudit(tx, {
        organizationId: organization.id,
        actor: input.actor,
        action: 'professionals.imported',
        target: preview.fileName,
        detail: { import: preview.id, professionals: preview.rows.length },
      });
      return { organization, imported: preview.rows.length };
    },
    { flushMode: 'commit' },
  );
}

const DELETE_EXPIRED = statement(
  'professional-import.delete-expired',
  'delete from portal.professional_import where expires_at <= $1',
);

/** Forget previews nobody imported (periodic work: a plain delete, safe on every instance at once). */
export function deleteExpiredImports(orm: Database, now: Date = new Date()): Promise<number> {
  return execute(orm, DELETE_EXPIRED, [now]);
}

async function findPreview(
  em: EntityManager,
  organization: Organization,
  input: ImportTarget & { previewId: string },
  now: Date,
  lock = false,
): Promise<ProfessionalImport> {
  const preview = isId(input.previewId)
    ? await em.findOne(
        ProfessionalImport,
        {
          id: input.previewId,
          organization: organization.id,
          sessionHash: sessionHash(input.sessionId),
          expiresAt: { $gt: now },
        },
        lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      )
    : null;
  if (!preview) throw previewGone();
  return preview;
}

function sessionHash(sessionId: string): string {
  return createHash('sha256').update(`professional-import:${sessionId}`).digest('base64url');
}

/** A file's name as the pages show it: its last part, printable, at most 100 characters. */
function printableName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const printable = last.replace(/[\p{Cc}\u2028\u2029]/gu, '').trim();
  return (printable || 'upload.csv').slice(0, 100);
}

function previewGone(): AppError {
  return new AppError(
    'NOT_FOUND',
    404,
    'This import is no longer waiting: it was imported already, it expired after 30 minutes, or it was started in another browser session. Upload the file again.',
  );
}

function becameProfessionals(emails: readonly string[]): AppError {
  const shown = emails.slice(0, 5).join(', ') + (emails.length > 5 ? ` and ${emails.length - 5} more` : '');
  return new AppError(
    'EMAIL_TAKEN',
    409,
    `Nothing was imported: since the preview, ${shown} ${emails.length === 1 ? 'has become a professional' : 'have become professionals'} of this account. Upload the file again to see an up-to-date preview.`,
  );
}
