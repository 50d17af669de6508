// std::map lookups under a namespaced member function and a template:
// mangled names with namespaces, const, references and template arguments.
//   index [ROUNDS]
#include <map>
#include <string>
#include <cstdio>
#include <cstdlib>
namespace app {
struct Index {
	std::map<std::string, unsigned> m;
	__attribute__((noinline)) unsigned lookupMany(int n, unsigned &acc) const {
		for (int i = 0; i < n; i++) { auto it = m.find("key" + std::to_string(i % 1000)); if (it != m.end()) acc += it->second; }
		return acc;
	}
};
template <typename T> __attribute__((noinline)) unsigned twice(const T &x) { unsigned a = 0; return x.lookupMany(200000, a) + x.lookupMany(1, a); }
}
int main(int c, char **v) {
	app::Index ix; for (int i = 0; i < 1000; i++) ix.m["key" + std::to_string(i)] = i;
	unsigned s = 0; for (int r = 0; r < (c > 1 ? atoi(v[1]) : 20); r++) s += app::twice(ix);
	printf("%u\n", s); return 0;
}
