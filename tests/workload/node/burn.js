// A known call chain: outer -> middle -> hot, for SECONDS.  node --perf-basic-prof burn.js SECONDS
function hot(n) { let x = 0; for (let i = 0; i < n; i++) x += (i * 31) ^ (x >>> 3); return x; }
function middle(n) { return hot(n) + 1; }
function outer(n) { return middle(n) + 1; }
const end = Date.now() + Number(process.argv[2] || 5) * 1000;
let sum = 0;
while (Date.now() < end) sum += outer(1000000);
console.log(sum);
