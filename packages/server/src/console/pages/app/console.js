// Connects noVNC to this cloud's console websocket. As noVNC's own vnc_lite.html does, the
// websocket lives at <this host>/<path>, where ?path= carries the one-time token.
import RFB from '../core/rfb.js';

const params = new URLSearchParams(window.location.search);
const status = document.getElementById('status');
const ctrlAltDel = document.getElementById('ctrl-alt-del');

function show(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

const path = (params.get('path') ?? '').replace(/^\/+/, '');
if (!path) {
  show('This page needs a console URL from the cloud (openstack console url show).', true);
} else {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  show('Connecting');
  const rfb = new RFB(document.getElementById('screen'), `${scheme}://${window.location.host}/${path}`, {
    wsProtocols: ['binary'],
    credentials: { password: params.get('password') ?? '' },
  });
  rfb.scaleViewport = params.get('scale') !== 'false';
  rfb.addEventListener('connect', () => {
    show('Connected');
    ctrlAltDel.disabled = false;
    rfb.focus();
  });
  // The token was good for one connection only: reconnecting needs a new URL.
  rfb.addEventListener('disconnect', (event) => {
    ctrlAltDel.disabled = true;
    show(event.detail.clean ? 'Disconnected. Ask for a new console URL to connect again.'
      : 'The console could not be reached or the connection was lost. Ask for a new console URL.', !event.detail.clean);
  });
  rfb.addEventListener('credentialsrequired', () => {
    const password = window.prompt('VNC password');
    if (password !== null) rfb.sendCredentials({ password });
  });
  rfb.addEventListener('securityfailure', (event) => show(`Security failure: ${event.detail.reason ?? event.detail.status}`, true));
  rfb.addEventListener('desktopname', (event) => { document.title = event.detail.name; });
  ctrlAltDel.addEventListener('click', () => rfb.sendCtrlAltDel());
}
