import { GatewayError } from '../../errors/catalogue.js';
import type { UploadFields } from '../../uploads/types.js';

/**
 * Control characters no text field may carry upstream: C0 controls and DEL. Tab, line feed and
 * carriage return are text in a title or description (multi-line descriptions are common).
 */
const controlInText = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** The name also becomes the file part's filename in a header, where no control character is text. */
const controlInName = /[\u0000-\u001f\u007f]/;

/**
 * Checks every field that goes to the upstream. A control character there is the client's mistake:
 * sent on, it breaks the upstream request (a NUL in a part header), spends upstream budget and
 * comes back as an upstream failure. Refused here instead: 400/9000 naming the field.
 */
export function checkUpstreamFields(fields: UploadFields): UploadFields {
  for (const [field, value] of Object.entries(fields) as Array<[keyof UploadFields, string | undefined]>) {
    if (value === undefined) continue;
    const pattern = field === 'name' ? controlInName : controlInText;
    const found = pattern.exec(value);
    if (found) {
      const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      throw new GatewayError('malformed', { message: `Malformed request: "${field}" contains the control character U+${code}` });
    }
  }
  return fields;
}
