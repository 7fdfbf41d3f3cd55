import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../adapters/db/database.ts';
import { executeIn, query, queryIn, statement } from '../../adapters/db/statements.ts';
import { enqueueMail } from '../../adapters/mail/outbox.ts';
import { idpSchema } from '../../idp/schema.ts';
import { createTestDatabase } from '../support/database.ts';

const SAVE = statement(
  'test.server-secret.save',
  'insert into idp.server_secret (name, value) values ($1, $2) returning name',
);
const READ = statement('test.server-secret.read', 'select value from idp.server_secret where name = $1');
const MAIL_TO = statement('test.outbox.to', 'select "to" from idp.outbox_mail where id = $1');

describe('named statements', () => {
  let orm: Database;
  beforeAll(async () => {
    orm = await openDatabase(idpSchema, { url: await createTestDatabase(), poolMax: 2 });
  });
  afterAll(() => orm.close(true));

  it('run in the transaction of an EntityManager: they see its entity changes and commit with it', async () => {
    await orm.em.fork().transactional(async (em) => {
      expect(await queryIn(em, SAVE, ['committed', 'yes'])).toEqual([{ name: 'committed' }]);
      const mail = enqueueMail(em, {
        to: 'ada@example.com',
        subject: 'Hello',
        text: 'Hi',
        html: '<p>Hi</p>',
      });
      await em.flush();
      expect(await queryIn(em, MAIL_TO, [mail.id])).toEqual([{ to: 'ada@example.com' }]);
      // Not yet for anyone else.
      expect(await query(orm, READ, ['committed'])).toEqual([]);
    });
    expect(await query(orm, READ, ['committed'])).toEqual([{ value: 'yes' }]);
  });

  it('roll back with the transaction they ran in', async () => {
    const failed = orm.em
      .fork()
      .transactional(async (em) => {
        expect(await executeIn(em, SAVE, ['rolled-back', 'no'])).toBe(1);
        throw new Error('the change fails after the statement');
      })
      .catch((e: Error) => e.message);
    expect(await failed).toBe('the change fails after the statement');
    expect(await query(orm, READ, ['rolled-back'])).toEqual([]);
  });

  it('refuse to run as part of a transaction outside one, rather than commit on their own', async () => {
    await expect(queryIn(orm.em.fork(), READ, ['committed'])).rejects.toThrow(
      'statement test.server-secret.read must run inside em.transactional',
    );
  });

  it('stand for one text per name', () => {
    expect(() => statement('test.server-secret.read', 'select 1')).toThrow(
      'statement test.server-secret.read declared twice with different SQL',
    );
  });
});
