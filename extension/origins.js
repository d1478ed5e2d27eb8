// Where the extension runs: the built-in contact-center softphone list, or IT's list from
// managed storage (chrome.storage.managed, schema in managed_schema.json), or a list set
// on the options page of an unmanaged install. Patterns are Chrome match patterns.

export const DEFAULT_ORIGINS = [
  'https://*.my.connect.aws/*',      // Amazon Connect CCP (new domain)
  'https://*.awsapps.com/*',         // Amazon Connect CCP (older instances)
  'https://apps.mypurecloud.com/*',  // Genesys Cloud, by region
  'https://apps.mypurecloud.ie/*',
  'https://apps.mypurecloud.de/*',
  'https://apps.mypurecloud.jp/*',
  'https://apps.mypurecloud.com.au/*',
  'https://*.pure.cloud/*',
  'https://flex.twilio.com/*',       // Twilio Flex
  'https://*.five9.com/*',           // Five9 agent desktop
  'https://*.five9.eu/*',
  'https://*.mytalkdesk.com/*',      // Talkdesk
  'https://*.mytalkdesk.eu/*',
];

// https with any host (a leading "*." allowed), or http on a loopback name; any path.
const PATTERN = /^(https:\/\/(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)\/.*$/;
const ORIGIN = /^(https:\/\/[a-z0-9.-]+(:[0-9]{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)$/;

// Chrome match patterns cannot carry a port: "http://127.0.0.1:8080/*" is invalid, the
// pattern for every port is "http://127.0.0.1/*" (Chrome extensions: match patterns).
function withoutPort(pattern) {
  return pattern.replace(/^([a-z]+:\/\/[^/:]+):[0-9]{1,5}\//, '$1/');
}

export function normalise(list) {
  if (!Array.isArray(list)) return null;
  const out = [];
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const text = item.trim().toLowerCase();
    const pattern = ORIGIN.test(text) ? `${text}/*` : text;
    if (PATTERN.test(pattern)) out.push(withoutPort(pattern));
  }
  return [...new Set(out)];
}

export async function allowedOrigins() {
  const managed = await chrome.storage.managed.get('origins').catch(() => ({}));
  const fromIt = normalise(managed.origins);
  if (fromIt) return {origins: fromIt, source: 'managed'};
  const local = await chrome.storage.local.get('origins');
  const fromUser = normalise(local.origins);
  if (fromUser) return {origins: fromUser, source: 'options'};
  return {origins: DEFAULT_ORIGINS, source: 'built-in'};
}
