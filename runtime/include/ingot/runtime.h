/*===- runtime.h - Ingot runtime C API -------------------------------------===
 *
 * Loads compiled .ingot artifacts and runs them.
 *
 *   ingot_model *model;
 *   ingot_status *st = ingot_model_load("model.ingot", &model);
 *   if (st) { puts(ingot_status_message(st)); ingot_status_free(st); }
 *   ingot_session *session;
 *   ingot_session_create(model, NULL, &session);
 *   ingot_tensor in = {"x", INGOT_F32, shape, 4, data, bytes};
 *   ingot_tensor out = {0};            // runtime-allocated output
 *   ingot_session_run(session, &in, 1, &out, 1);
 *
 * Every call that can fail returns an ingot_status* (NULL on success) that
 * the caller frees; no call lets a C++ exception escape. A model is
 * immutable and may be shared by any number of sessions; a session owns its
 * activation memory and runs one call at a time, so use one session per
 * thread (a second concurrent call on one session is refused with
 * INGOT_INVALID_ARGUMENT).
 *===----------------------------------------------------------------------===*/
#ifndef INGOT_RUNTIME_H
#define INGOT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

typedef enum ingot_status_code {
  INGOT_OK = 0,
  INGOT_INVALID_ARGUMENT = 1, /* wrong input count, name, dtype or shape */
  INGOT_IO_ERROR = 2,         /* cannot read a file */
  INGOT_INVALID_ARTIFACT = 3, /* truncated, corrupt or not an artifact */
  INGOT_UNSUPPORTED = 4,      /* newer format, other target, ... */
  INGOT_NO_DEVICE = 5,        /* a CUDA artifact without a usable GPU */
  INGOT_INTERNAL = 6,
} ingot_status_code;

typedef enum ingot_dtype {
  INGOT_DTYPE_INVALID = 0,
  INGOT_F32 = 1,
  INGOT_F16 = 2,
  INGOT_BF16 = 3,
  INGOT_F64 = 4,
  INGOT_I8 = 5,
  INGOT_I16 = 6,
  INGOT_I32 = 7,
  INGOT_I64 = 8,
  INGOT_U8 = 9,
  INGOT_U16 = 10,
  INGOT_U32 = 11,
  INGOT_U64 = 12,
  INGOT_BOOL = 13,
} ingot_dtype;

typedef struct ingot_status ingot_status;
typedef struct ingot_model ingot_model;
typedef struct ingot_session ingot_session;

ingot_status_code ingot_status_get_code(const ingot_status *status);
const char *ingot_status_message(const ingot_status *status);
void ingot_status_free(ingot_status *status);

/* A tensor passed to or returned from a run. For inputs, `name` may be NULL
 * (inputs are then matched by position) and `shape` must match the model,
 * or lie in its ranges where it was compiled for a range of shapes; an
 * output's shape is then the one of this run (valid until the next).
 * For outputs, a non-NULL `data` of `size_bytes` receives the result;
 * a NULL `data` asks the session for a buffer it owns until its next run. */
typedef struct ingot_tensor {
  const char *name;
  ingot_dtype dtype;
  const int64_t *shape;
  size_t rank;
  void *data;
  size_t size_bytes;
  int on_device; /* CUDA artifacts: data is a device pointer (no copy) */
} ingot_tensor;

/* Description of a model input or output; pointers live as long as the
 * model. */
typedef struct ingot_tensor_info {
  const char *name;
  ingot_dtype dtype;
  const int64_t *shape;
  size_t rank;
  size_t size_bytes;
} ingot_tensor_info;

/* Session options. Always fill them with ingot_session_options_init()
 * first: it sets struct_size, which lets a runtime built against another
 * version of this header tell which fields the caller knows. */
typedef struct ingot_session_options {
  size_t struct_size; /* sizeof(ingot_session_options) */
  int num_threads;    /* 0: one per core; at most INGOT_MAX_THREADS */
  int no_cuda_graph;  /* CUDA artifacts: launch every step each run
                         instead of capturing and replaying a graph */
} ingot_session_options;

#define INGOT_MAX_THREADS 1024

/* Sets every field to its default and struct_size to this header's size. */
void ingot_session_options_init(ingot_session_options *options);

const char *ingot_dtype_name(ingot_dtype dtype);
size_t ingot_dtype_size(ingot_dtype dtype);

ingot_status *ingot_model_load(const char *path, ingot_model **model);
ingot_status *ingot_model_load_from_memory(const void *data, size_t size,
                                           ingot_model **model);
void ingot_model_release(ingot_model *model);
size_t ingot_model_num_inputs(const ingot_model *model);
size_t ingot_model_num_outputs(const ingot_model *model);
ingot_status *ingot_model_input(const ingot_model *model, size_t index,
                                ingot_tensor_info *info);
ingot_status *ingot_model_output(const ingot_model *model, size_t index,
                                 ingot_tensor_info *info);
/* The sizes dimension `dim` of input `index` accepts: every multiple of
 * `multiple` from `min` to `max`. A model compiled for a range of shapes
 * (ingotc --dim NAME=MIN:MAX) has -1 in ingot_tensor_info::shape where a
 * dimension varies, and size_bytes is then the size at the largest shape;
 * a static dimension gives min == max == its size. */
ingot_status *ingot_model_input_dim_range(const ingot_model *model,
                                          size_t index, size_t dim,
                                          int64_t *min, int64_t *max,
                                          int64_t *multiple);
/* Bytes of activation memory each session allocates; for a model compiled
 * for a range of shapes, the most it may (its arena is planned for each
 * shape it is called with and grows to what the largest so far needs). */
size_t ingot_model_arena_bytes(const ingot_model *model);

ingot_status *ingot_session_create(ingot_model *model,
                                   const ingot_session_options *options,
                                   ingot_session **session);
void ingot_session_release(ingot_session *session);
ingot_status *ingot_session_run(ingot_session *session,
                                const ingot_tensor *inputs, size_t num_inputs,
                                ingot_tensor *outputs, size_t num_outputs);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* INGOT_RUNTIME_H */
