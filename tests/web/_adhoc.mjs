import { startServer, launchBrowser } from './helpers.mjs';
const s = await startServer(); const b = await launchBrowser(); const p = await b.context.newPage();
await p.setViewportSize({width: 800, height: 1100});
try {
await p.goto(s.url+'/till'); await p.fill('#api-key', s.tillKey); await p.click('text=Open till');
await p.locator('#till').waitFor();
await p.fill('#enrol-name','Zoë Ñúñez'); await p.click('text=Enrol member'); await p.locator('#member-name').waitFor();
await p.click('text=Add line');
await p.screenshot({path:'/tmp/till-portrait.png'});
} finally { await b.close(); await s.stop(); }
