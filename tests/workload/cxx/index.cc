// std::map lookups under a namespaced member function and a template:
// mangled names with namespaces, const, references and template arguments.
//   index [ROUNDS [PREFIX]]   PREFIX: bytes every key starts with (default 0);
//   a long shared prefix makes the map's string compares (memcmp) the hot spot
#include <map>
#include <string>
#include <cstdio>
#include <cstdlib>
namespace app {
struct Index {
	std::map<std::string, unsigned> m;
	std::string prefix;
	__attribute__((noinline)) unsigned lookupMany(int n, unsigned &acc) const {
		for (int i = 0; i < n; i++) { auto it = m.find(prefix + "key" + std::to_string(i % 1000)); if (it != m.end()) acc += it->second; }
		return acc;
	}
};
template <typename T> __attribute__((noinline)) unsigned twice(const T &x) { unsigned a = 0; return x.lookupMany(200000, a) + x.lookupMany(1, a); }
}
int main(int c, char **v) {
	app::Index ix; ix.prefix.assign(c > 2 ? atoi(v[2]) : 0, 'k');
	for (int i = 0; i < 1000; i++) ix.m[ix.prefix + "key" + std::to_string(i)] = i;
	unsigned s = 0; for (int r = 0; r < (c > 1 ? atoi(v[1]) : 20); r++) s += app::twice(ix);
	printf("%u\n", s); return 0;
}
