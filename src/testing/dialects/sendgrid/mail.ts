import type { SendgridFieldError } from "./errors.js";

const HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function checkAddress(value: unknown, field: string, errors: SendgridFieldError[]): void {
  if (!isObject(value) || typeof value.email !== "string") {
    errors.push({ field: `${field}.email`, message: "The email address is required.", help: `${HELP}#message.${field.replace(/\.\d+/g, "")}` });
  } else if (!EMAIL.test(value.email)) {
    errors.push({ field: `${field}.email`, message: "Does not contain a valid address.", help: `${HELP}#message.${field.replace(/\.\d+/g, "")}` });
  }
}

/** The problems SendGrid would report for a `/v3/mail/send` body, in its `errors[]` shape (empty when valid). */
export function validateMail(body: unknown): SendgridFieldError[] {
  const errors: SendgridFieldError[] = [];
  if (!isObject(body)) return [{ field: null, message: "Bad Request", help: null }];
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push({
      field: "personalizations",
      message: "The personalizations field is required and must have at least one personalization.",
      help: `${HELP}#-Personalizations-Errors`,
    });
  } else {
    personalizations.forEach((p, i) => {
      const to = isObject(p) ? p.to : undefined;
      if (!Array.isArray(to) || to.length === 0) {
        errors.push({
          field: `personalizations.${i}.to`,
          message: "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
          help: `${HELP}#message.personalizations.to`,
        });
      } else {
        to.forEach((address, j) => {
          checkAddress(address, `personalizations.${i}.to.${j}`, errors);
        });
      }
    });
  }
  if (body.from === undefined) {
    errors.push({ field: "from.email", message: "The from email does not contain a valid address.", help: `${HELP}#message.from` });
  } else checkAddress(body.from, "from", errors);
  const templated = typeof body.template_id === "string";
  const everySubject = Array.isArray(personalizations) && personalizations.every((p) => isObject(p) && typeof p.subject === "string" && p.subject !== "");
  if (!templated && !everySubject && (typeof body.subject !== "string" || body.subject === "")) {
    errors.push({
      field: "subject",
      message:
        "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
      help: `${HELP}#message.subject`,
    });
  }
  const content = body.content;
  if (!templated) {
    if (!Array.isArray(content) || content.length === 0) {
      errors.push({
        field: "content",
        message:
          "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.",
        help: `${HELP}#message.content`,
      });
    } else {
      content.forEach((c, i) => {
        if (!isObject(c) || typeof c.type !== "string" || typeof c.value !== "string" || c.value === "") {
          errors.push({
            field: `content.${i}.value`,
            message: "The content value must be a string at least one character in length.",
            help: `${HELP}#message.content.value`,
          });
        }
      });
    }
  }
  return errors;
}

/** The recipients of a valid mail body, every personalization's `to`, `cc` and `bcc`. */
export function recipients(body: Json): string[] {
  const out: string[] = [];
  for (const p of body.personalizations as Json[]) {
    for (const kind of ["to", "cc", "bcc"]) {
      const list = p[kind];
      if (Array.isArray(list)) for (const a of list) if (isObject(a) && typeof a.email === "string") out.push(a.email);
    }
  }
  return out;
}
