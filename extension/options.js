// The options page: which sites the extension runs on (and from where that list comes),
// a button that grants the optional host permission for sites outside the built-in list
// (chrome.permissions.request needs a user gesture), and the native host's last status.
const session = await chrome.storage.session.get(['origins', 'source', 'host', 'live']);
const origins = session.origins || [];
document.getElementById('source').textContent = session.source || 'not registered yet';
const live = session.live ? ` (${session.live} live call${session.live === 1 ? '' : 's'})` : '';
document.getElementById('host').textContent = (session.host || 'not contacted yet') + live;
const list = document.getElementById('origins');
for (const origin of origins) {
  const item = document.createElement('li');
  item.textContent = origin;
  list.append(item);
}
const granted = await chrome.permissions.contains({origins}).catch(() => false);
document.getElementById('missing').hidden = granted || !origins.length;
document.getElementById('grant').addEventListener('click', async () => {
  await chrome.permissions.request({origins});
  location.reload();
});
