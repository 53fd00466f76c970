/**
 * A process that does nothing but answer bench/loop-monitor.ts: its event-loop delay during a burst
 * is the machine's floor. On a 2-core machine shared with other work even an idle process's timers
 * fire late, and the busier a process is, the more of that it sees: the crowd's delay figures are
 * read beside this one.
 */
const parent = process.ppid;
// once a second: a bench that died without stopping it leaves no process behind
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000);
console.log('idle process is ready');
