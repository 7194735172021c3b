/* A minimal C program using the Ingot runtime: load a compiled model, feed
 * its first input with a constant value, print the first output.
 *
 *   cc run_model.c -I runtime/include -L build/runtime -lingot_runtime
 *   ./a.out model.ingot
 */
#include "ingot/runtime.h"

#include <stdio.h>
#include <stdlib.h>

static int fail(ingot_status *status) {
  fprintf(stderr, "error: %s\n", ingot_status_message(status));
  ingot_status_free(status);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s model.ingot\n", argv[0]);
    return 2;
  }
  ingot_model *model = NULL;
  ingot_status *status = ingot_model_load(argv[1], &model);
  if (status)
    return fail(status);

  ingot_tensor_info info;
  if ((status = ingot_model_input(model, 0, &info)))
    return fail(status);
  float *data = malloc(info.size_bytes);
  for (size_t i = 0; i < info.size_bytes / sizeof(float); ++i)
    data[i] = 0.5f;

  ingot_session *session = NULL;
  ingot_session_options options;
  ingot_session_options_init(&options);
  options.num_threads = 1;
  if ((status = ingot_session_create(model, &options, &session)))
    return fail(status);
  ingot_tensor input = {info.name, info.dtype, info.shape,
                        info.rank, data,       info.size_bytes};
  ingot_tensor output = {0};
  if ((status = ingot_session_run(session, &input, 1, &output, 1)))
    return fail(status);

  const float *y = output.data;
  printf("%s:", output.name);
  for (size_t i = 0; i < output.size_bytes / sizeof(float) && i < 10; ++i)
    printf(" %.6f", y[i]);
  printf("\n");

  ingot_session_release(session);
  ingot_model_release(model);
  free(data);
  return 0;
}
