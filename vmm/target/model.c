// SPDX-License-Identifier: MIT
/*
 * The model target: no guest runs. Each cell is what the architecture
 * expects of the check (conform/model.c), the column the others are read
 * against; where the model can't say, UNSUPPORTED and why.
 */
#include <stddef.h>
#include "target_priv.h"

void target_model__run(const struct target *t, const struct target_env *env, struct conf_matrix *m,
		       unsigned col)
{
	for (unsigned c = 0; c < m->cat->n; c++) {
		conf__model_cell(&m->cat->checks[c], conf__cell(m, c, col));
		if (env->progress)
			env->progress(env->opaque, t->name, m->cat->checks[c].name);
	}
}
