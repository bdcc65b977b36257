import type { Kysely } from 'kysely';
import { createNewsletter, type Newsletter } from '../db/queries/newsletters';
import { isVerifiedAddress } from '../db/queries/tenant-senders';
import type { DatabaseSchema } from '../db/schema';
import { parseMailbox } from '../mail/sender-address';
import type { Caller } from './caller';
import { InvalidField } from './errors';

export interface NewsletterDraftInput {
  subject: string;
  html: string;
  text?: string;
  /** One mailbox, `address` or `Name <address>`; absent, the service's MAIL_FROM sends it. */
  from?: string;
}

/** Drafting newsletters: a tenant sends only from the senders an operator verified for it. */
export class NewsletterService {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Creates the draft, or refuses a `from` that is not one of the tenant's verified senders (nothing created). */
  async createDraft(caller: Caller, draft: NewsletterDraftInput): Promise<Newsletter> {
    if (draft.from !== undefined) {
      const mailbox = parseMailbox(draft.from);
      if (!mailbox)
        throw new InvalidField('from', 'expected one address, as "news@example.com" or "Name <news@example.com>"');
      if (!(await isVerifiedAddress(this.db, caller.tenantId, mailbox.address))) {
        throw new InvalidField(
          'from',
          `${mailbox.address} is not a verified sender of your organisation; ask an operator to verify it, or leave from out`,
        );
      }
    }
    return createNewsletter(this.db, { tenantId: caller.tenantId, ...draft });
  }
}
