import { sql, type Insertable, type Transaction } from 'kysely';
import type { ContactTable, Database, DatabaseSchema, DeliveryStatus, DeliveryTable } from './schema';
import { ensureTenant } from './queries/tenants';

export const DEMO_TENANT = 'demo';
export const DEMO_USER_EMAIL = 'demo@example.com';
export const HEADLINE_SUBJECT = 'Spring collection: the big launch';
export const SMALL_SUBJECT = 'Welcome to our newsletter';
export const DRAFT_SUBJECT = 'Summer sale preview';

const FIRST_NAMES = [
  'Ada',
  'Bruno',
  'Chloé',
  'Dmitri',
  'Emma',
  'Farid',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Liam',
  'Maya',
  'Nils',
  'Olga',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Ugo',
  'Vera',
  'Wen',
  'Xavier',
  'Yara',
  'Zoé',
];
const LAST_NAMES = [
  'Adams',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lambert',
  'Moreau',
  'Nakamura',
  "O'Brien",
  'Petit',
  'Quint',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Ueda',
  'Vidal',
  'Weber',
  'Yilmaz',
  'Zhang',
];
// Names a contact-import really brings: a spreadsheet would run these as formulas unless neutralised.
const HOSTILE_NAMES: Array<[string, string]> = [
  ['=HYPERLINK("http://evil.example","Click")', 'Formula'],
  ['+1+2', '@SUM(A1:A9)'],
  ['-2+3', '\tTab'],
];

/** mulberry32: a tiny seeded generator, so the same N gives the same rows on every machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE_TIME = Date.UTC(2026, 2, 1, 8, 0, 0);
const iso = (offsetMs: number) => new Date(BASE_TIME + offsetMs).toISOString();

export interface SeedOptions {
  contacts: number;
  /** Called with rows written so far and the total, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  tenantId: string;
  contacts: number;
  newsletters: { headline: number; small: number; draft: number };
}

/**
 * Builds the demo tenant: N contacts, a sent newsletter with one delivery per contact (the headline
 * export), a small sent one, and a draft. Deterministic: same N, same rows. Does nothing if the tenant
 * already has newsletters.
 */
export async function seedDemoTenant(database: Database, options: SeedOptions): Promise<SeedResult | undefined> {
  const { db } = database;
  await ensureTenant(db, DEMO_TENANT, 'Demo Company');
  const existing = await db
    .selectFrom('newsletters')
    .select('id')
    .where('tenant_id', '=', DEMO_TENANT)
    .executeTakeFirst();
  if (existing) return undefined;

  const n = options.contacts;
  const smallCount = Math.min(n, 1_000);
  const total = n * 2 + smallCount;
  let done = 0;
  const progress = (rows: number) => {
    done += rows;
    options.onProgress?.(done, total);
  };

  return db.transaction().execute(async (trx) => {
    const random = seededRandom(n);
    const firstContactId = await nextId(trx, 'contacts');
    const headline = await trx
      .insertInto('newsletters')
      .values({
        tenant_id: DEMO_TENANT,
        subject: HEADLINE_SUBJECT,
        from_address: null,
        html: '<h1>Spring</h1><p>Hello {{first_name}}!</p>',
        text: 'Hello {{first_name}}!',
        status: 'sent',
        created_at: iso(0),
        sent_at: iso(60_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const small = await trx
      .insertInto('newsletters')
      .values({
        tenant_id: DEMO_TENANT,
        subject: SMALL_SUBJECT,
        from_address: null,
        html: '<p>Welcome, {{first_name}}.</p>',
        text: 'Welcome, {{first_name}}.',
        status: 'sent',
        created_at: iso(1_000),
        sent_at: iso(61_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const draft = await trx
      .insertInto('newsletters')
      .values({
        tenant_id: DEMO_TENANT,
        subject: DRAFT_SUBJECT,
        from_address: null,
        html: '<p>Hi {{first_name}}, summer is coming.</p>',
        text: 'Hi {{first_name}}, summer is coming.',
        status: 'draft',
        created_at: iso(2_000),
        sent_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const batchSize = database.dialect === 'postgres' ? 4_000 : 2_000;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const contacts: Array<Insertable<ContactTable>> = [];
      const deliveries: Array<Insertable<DeliveryTable>> = [];
      const smallDeliveries: Array<Insertable<DeliveryTable>> = [];
      for (let i = start; i < end; i++) {
        const hostile = HOSTILE_NAMES[i % 50_000] ?? undefined;
        const first = hostile ? hostile[0] : FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]!;
        const last = hostile ? hostile[1] : LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]!;
        const contactId = firstContactId + i;
        const unsubscribed = random() < 0.03 ? 1 : 0;
        contacts.push({
          id: contactId,
          tenant_id: DEMO_TENANT,
          email: `contact${i + 1}@example.com`,
          first_name: first,
          last_name: last,
          unsubscribed,
          created_at: iso(-86_400_000 + i),
          updated_at: iso(-86_400_000 + i),
        });
        deliveries.push(fakeDelivery(headline.id, contactId, i, random, unsubscribed));
        if (i < smallCount) smallDeliveries.push(fakeDelivery(small.id, contactId, i, random, 0));
      }
      await trx.insertInto('contacts').values(contacts).execute();
      await trx.insertInto('deliveries').values(deliveries).execute();
      if (smallDeliveries.length > 0) await trx.insertInto('deliveries').values(smallDeliveries).execute();
      progress(contacts.length + deliveries.length + smallDeliveries.length);
    }
    if (database.dialect === 'postgres') {
      // Explicit ids bypass the sequence; move it past them.
      await sql`select setval(pg_get_serial_sequence('contacts', 'id'), (select coalesce(max(id), 0) + 1 from contacts), false)`.execute(
        trx,
      );
    }
    return {
      tenantId: DEMO_TENANT,
      contacts: n,
      newsletters: { headline: headline.id, small: small.id, draft: draft.id },
    };
  });
}

async function nextId(trx: Transaction<DatabaseSchema>, table: 'contacts'): Promise<number> {
  const row = await trx
    .selectFrom(table)
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

function fakeDelivery(
  newsletterId: number,
  contactId: number,
  i: number,
  random: () => number,
  unsubscribed: number,
): Insertable<DeliveryTable> {
  const roll = random();
  const status: DeliveryStatus = roll < 0.02 ? 'failed' : roll < 0.05 ? 'bounced' : 'sent';
  const delivered = status === 'sent';
  const opens = delivered && random() < 0.45 ? 1 + Math.floor(random() * 5) : 0;
  const clicks = opens > 0 && random() < 0.3 ? 1 + Math.floor(random() * opens) : 0;
  const sentAt = status === 'failed' ? null : iso(60_000 + i * 7);
  return {
    newsletter_id: newsletterId,
    contact_id: contactId,
    status,
    message_id: status === 'failed' ? null : `<demo-${newsletterId}-${contactId}@mailroom.local>`,
    attempts: status === 'failed' ? 3 : 1,
    last_error: status === 'failed' ? '550 5.1.1 mailbox unavailable' : null,
    sent_at: sentAt,
    opens,
    clicks,
    first_opened_at: opens > 0 ? iso(3_600_000 + i * 11) : null,
    first_clicked_at: clicks > 0 ? iso(3_700_000 + i * 11) : null,
    bounced: status === 'bounced' ? 1 : 0,
    unsubscribed: delivered ? unsubscribed : 0,
    updated_at: iso(7_200_000),
  };
}
