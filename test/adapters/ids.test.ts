import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { isId } from '../../adapters/db/ids.ts';

describe('a row id', () => {
  it('is any UUID, in either case', () => {
    for (const id of [randomUUID(), uuidv7(), randomUUID().toUpperCase()]) expect(isId(id)).toBe(true);
  });

  it('is never anything else a request, cookie or token may carry', () => {
    for (const value of ['not-a-uuid', '', `${randomUUID()} `, `${randomUUID()}0`, 42, null, undefined, {}])
      expect(isId(value)).toBe(false);
  });
});
