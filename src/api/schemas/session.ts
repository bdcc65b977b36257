import { z } from 'zod';
import { text } from './requests';

const secret = () => text().min(1).max(200);

/** `POST /app/session`: an API key, or a one-time sign-in token; never both. */
export const SignIn = z
  .union(
    [
      z.strictObject({ apiKey: secret().describe('an API key from `mailroom users create`') }),
      z.strictObject({
        loginToken: secret().describe(
          'the token after `#login=` in a link from `mailroom users login-link` (valid once)',
        ),
      }),
    ],
    { error: 'send exactly one of apiKey and loginToken' },
  )
  .meta({ id: 'SignIn' });
export type SignIn = z.infer<typeof SignIn>;

export const SessionView = z
  .object({
    email: z.string(),
    tenantId: z.string(),
    csrfToken: z.string().describe('send it as the X-CSRF-Token header of every POST, PATCH and DELETE'),
    expiresAt: z.string(),
  })
  .meta({ id: 'Session' });
