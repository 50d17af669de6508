/* The one hash map and interner against a plain array model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"

struct key {
	uint32_t a, b;
};

int main(void)
{
	struct sre_map m;
	struct sre_interner in;
	enum { N = 20000 };
	static uint64_t model[N];
	char buf[32];
	const char *first[100];

	sre_map_init(&m, sizeof(struct key), sizeof(uint64_t), NULL, NULL);
	CHECK(sre_map_get(&m, &(struct key){ 1, 2 }) == NULL, "%s", "sre_map_get(&m, &(struct key){ 1, 2 }) == NULL");
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < N; i++) {
			bool added;
			uint64_t *v = sre_map_put(&m, &(struct key){ i, i * 7 }, &added);

			CHECK(v != NULL, "%s", "v != NULL");
			CHECK(added == (round == 0), "%s", "added == (round == 0)");
			*v += i;
			model[i] += i;
		}
	}
	CHECK(m.n == N, "%s", "m.n == N");
	for (uint32_t i = 0; i < N; i++) {
		uint64_t *v = sre_map_get(&m, &(struct key){ i, i * 7 });

		CHECK(v && *v == model[i], "%s", "v && *v == model[i]");
	}
	CHECK(sre_map_get(&m, &(struct key){ 5, 6 }) == NULL, "%s", "sre_map_get(&m, &(struct key){ 5, 6 }) == NULL");
	{
		size_t it = 0, seen = 0;
		const void *k;
		void *v;
		uint64_t sum = 0;

		while (sre_map_next(&m, &it, &k, &v)) {
			seen++;
			sum += *(uint64_t *)v;
		}
		CHECK(seen == N, "%s", "seen == N");
		CHECK(sum == 3ULL * N * (N - 1) / 2, "%s", "sum == 3ULL * N * (N - 1) / 2");
	}
	sre_map_free(&m);

	/* A bounded map refuses the entry past its limit. */
	sre_map_init(&m, sizeof(uint64_t), sizeof(uint64_t), NULL, NULL);
	m.max = 10;
	for (uint64_t i = 0; i < 10; i++)
		CHECK(sre_map_put(&m, &i, NULL) != NULL, "%s", "sre_map_put(&m, &i, NULL) != NULL");
	CHECK(sre_map_put(&m, &(uint64_t){ 99 }, NULL) == NULL, "%s", "sre_map_put(&m, &(uint64_t){ 99 }, NULL) == NULL");
	CHECK(sre_map_put(&m, &(uint64_t){ 3 }, NULL) != NULL, "%s", "sre_map_put(&m, &(uint64_t){ 3 }, NULL) != NULL");
	sre_map_free(&m);

	sre_interner_init(&in);
	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "frame_%d", i);
		first[i] = sre_intern(&in, buf);
		CHECK(first[i] && !strcmp(first[i], buf), "%s", "first[i] && !strcmp(first[i], buf)");
	}
	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "frame_%dXYZ", i);
		CHECK(sre_intern_n(&in, buf, strlen(buf) - 3) == first[i], "%s", "sre_intern_n(&in, buf, strlen(buf) - 3) == first[i]");
	}
	CHECK(sre_interner_count(&in) == 100, "%s", "sre_interner_count(&in) == 100");
	CHECK(sre_intern(&in, "") != NULL, "%s", "sre_intern(&in, "") != NULL");
	sre_interner_free(&in);
	printf("test_hashmap: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
