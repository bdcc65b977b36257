import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerColumns, isEmail, POSITIONAL_COLUMNS, readContact } from '../../src/imports/contact-rows';
import { finishedMessage } from '../../src/workflows/import-contacts';

describe('contact rows of an import', () => {
  it('takes a first record naming the columns as a header, in any order and spelling', () => {
    assert.deepEqual(headerColumns(['Email', 'First name', 'Last name']), { email: 0, firstName: 1, lastName: 2 });
    assert.deepEqual(headerColumns(['Nom', 'Prénom', 'Courriel', 'Ville']), { email: 2, firstName: 1, lastName: 0 });
    assert.deepEqual(headerColumns(['e-mail address', 'company']), {
      email: 0,
      firstName: undefined,
      lastName: undefined,
    });
  });

  it('takes a first record holding an address, or naming no email column, as data', () => {
    assert.equal(headerColumns(['ada@example.com', 'Ada', 'Lovelace']), undefined);
    assert.equal(headerColumns(['email', 'me@example.com']), undefined);
    assert.equal(headerColumns(['name', 'phone']), undefined);
  });

  it('accepts a valid row, lower-cases and trims the address, trims names', () => {
    assert.deepEqual(readContact([' Ada@Example.COM ', ' Ada ', 'Lovelace', 'extra'], POSITIONAL_COLUMNS), {
      ok: true,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
  });

  it('leaves a name undefined when its column is absent, so the stored one is kept', () => {
    assert.deepEqual(readContact(['ada@example.com'], POSITIONAL_COLUMNS), {
      ok: true,
      email: 'ada@example.com',
      firstName: undefined,
      lastName: undefined,
    });
    assert.deepEqual(readContact(['ada@example.com', ''], POSITIONAL_COLUMNS), {
      ok: true,
      email: 'ada@example.com',
      firstName: '',
      lastName: undefined,
    });
  });

  it('refuses rows with a reason a user understands', () => {
    const reason = (record: string[]) => {
      const row = readContact(record, POSITIONAL_COLUMNS);
      return row.ok ? 'accepted' : row.reason;
    };
    assert.equal(reason(['', 'Ada']), 'the email address is missing');
    assert.equal(reason(['not-an-address', 'Ada']), '"not-an-address" is not a valid email address');
    assert.equal(reason(['a@b', 'Ada']), '"a@b" is not a valid email address');
    assert.equal(reason(['ada@example.com', 'x'.repeat(201)]), 'the first name is longer than 200 characters');
    assert.equal(reason(['ada@example.com', 'Ada', 'Love\u0000lace']), 'the last name contains control characters');
  });

  it('knows an address from a near miss', () => {
    for (const good of ['a@b.co', 'first.last+tag@sub.example.org', "o'brien@example.ie"])
      assert.ok(isEmail(good), good);
    for (const bad of ['a@b', '@b.co', 'a@.co', 'a..b@c.co', 'a b@c.co', 'a@b.c', `${'x'.repeat(65)}@b.co`])
      assert.ok(!isEmail(bad), bad);
  });

  it('says in one sentence what an import did', () => {
    const base = { rows: 0, imported: 0, created: 0, updated: 0, invalid: 0, invalidRows: [] };
    assert.equal(finishedMessage(base), 'Your contact import finished: the file had no contact rows.');
    assert.equal(
      finishedMessage({
        ...base,
        rows: 1203,
        imported: 1200,
        created: 1000,
        updated: 200,
        invalid: 3,
        invalidRows: [
          { line: 4, reason: 'x' },
          { line: 9, reason: 'y' },
          { line: 12, reason: 'z' },
        ],
      }),
      'Your contact import finished: 1,200 contacts imported (1,000 new, 200 updated); 3 invalid rows skipped (lines 4, 9, 12; the task lists why).',
    );
    const many = Array.from({ length: 7 }, (_, i) => ({ line: i + 2, reason: 'x' }));
    assert.match(
      finishedMessage({ ...base, rows: 8, imported: 1, created: 1, invalid: 7, invalidRows: many }),
      /lines 2, 3, 4, 5, 6 and 2 more/,
    );
  });
});
