import { z } from 'zod';
import { text } from './requests';

const secret = () => text().min(1).max(200);

/** `POST /app/session`: exactly one of an API key and a one-time sign-in token. */
export const SignIn = z
  .strictObject({
    apiKey: secret().optional().describe('an API key from `mailroom users create`'),
    loginToken: secret()
      .optional()
      .describe('the token after `#login=` in a link from `mailroom users login-link` (valid once)'),
  })
  .refine((body) => (body.apiKey === undefined) !== (body.loginToken === undefined), {
    message: 'send exactly one of apiKey and loginToken',
  })
  .meta({ id: 'SignIn' });

export const SessionView = z
  .object({
    email: z.string(),
    tenantId: z.string(),
    csrfToken: z.string().describe('send it as the X-CSRF-Token header of every POST, PATCH and DELETE'),
    expiresAt: z.string(),
  })
  .meta({ id: 'Session' });
