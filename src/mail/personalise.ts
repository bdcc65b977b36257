export interface Recipient {
  email: string;
  firstName: string;
  lastName: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Fills `{{first_name}}`, `{{last_name}}` and `{{email}}`; values are HTML-escaped in HTML so a contact's
 * name cannot inject markup. An unknown placeholder is left as written.
 */
export function personalise(template: string, recipient: Recipient, format: 'text' | 'html'): string {
  const values: Record<string, string> = {
    first_name: recipient.firstName,
    last_name: recipient.lastName,
    email: recipient.email,
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return format === 'html' ? escapeHtml(value) : value;
  });
}
