/*===- runtime.h - Open-AutoGLM runtime C API -----------------------------===*
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * Loads an artifact directory written by autoglm-compile and runs it with
 * caller-owned buffers. Needs no LLVM or MLIR.
 *
 *   autoglm_model *m;   autoglm_context *c;
 *   if (autoglm_model_load("out/", &m)) { puts(autoglm_last_error()); ... }
 *   autoglm_context_create(m, 0, &c);          // 0 threads: all cores
 *   autoglm_context_set_input(c, 0, AUTOGLM_FLOAT32, 4, shape, data, bytes);
 *   autoglm_context_set_output(c, 0, AUTOGLM_FLOAT32, 2, oshape, out, obytes);
 *   autoglm_context_run(c);
 *   autoglm_context_release(c); autoglm_model_release(m);
 *
 * Every function returning int returns 0 on success and non-zero on error,
 * with the reason in autoglm_last_error() (per thread). Contexts are
 * independent: several threads may each run their own context of one model
 * at the same time.
 *
 * GPU artifacts (a manifest with a "gpu" section, e.g. target cuda-sm90)
 * run through the NVIDIA driver, libcuda.so.1, which the runtime loads when
 * such an artifact is loaded (it never links it): the same binary runs CPU
 * artifacts on machines without one. Host memory bound to a context is
 * copied to the device before each run and back after it; device memory
 * (autoglm_context_set_input_device / _output_device) is read and written
 * in place, and such runs may be enqueued without waiting
 * (autoglm_context_run_async, autoglm_context_synchronize).
 *===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_H
#define AUTOGLM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(AUTOGLM_RUNTIME_BUILD)
#define AUTOGLM_API __attribute__((visibility("default")))
#else
#define AUTOGLM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum autoglm_dtype {
  AUTOGLM_INVALID = 0,
  AUTOGLM_FLOAT32,
  AUTOGLM_FLOAT64,
  AUTOGLM_FLOAT16,
  AUTOGLM_BFLOAT16,
  AUTOGLM_INT8,
  AUTOGLM_INT16,
  AUTOGLM_INT32,
  AUTOGLM_INT64,
  AUTOGLM_UINT8,
  AUTOGLM_UINT16,
  AUTOGLM_UINT32,
  AUTOGLM_UINT64,
  AUTOGLM_BOOL,
  /* One `const char *` per element: NUL-terminated UTF-8. */
  AUTOGLM_STRING,
  /* Not a dtype: makes every int a value of the type, so a caller's
   * invalid dtype is refused rather than undefined behaviour in C++. */
  AUTOGLM_DTYPE_FORCE_INT32 = 0x7fffffff
} autoglm_dtype;

typedef struct autoglm_model autoglm_model;
typedef struct autoglm_context autoglm_context;

/* The reason for the last failure on this thread ("" if none). */
AUTOGLM_API const char *autoglm_last_error(void);

/* dtype <-> name ("float32", "int64", "bool", ...); size in bytes. */
AUTOGLM_API const char *autoglm_dtype_name(autoglm_dtype dtype);
AUTOGLM_API autoglm_dtype autoglm_dtype_from_name(const char *name);
AUTOGLM_API size_t autoglm_dtype_size(autoglm_dtype dtype);

/* Loads `dir`: reads manifest.json, checks every file's sha256, maps the
 * library. Same as autoglm_model_load_on_device(dir, -1, model). */
AUTOGLM_API int autoglm_model_load(const char *dir, autoglm_model **model);
/* Loads `dir` onto a device. For a GPU artifact: `device` is the device
 * ordinal (-1: 0) of its API, CUDA (libcuda.so.1) or HIP (libamdhip64.so);
 * the artifact's kernels are loaded on that device (CUDA: whose compute
 * capability must be the one the artifact targets or newer; HIP: whose gfx
 * architecture must be the code object's), and its weights are copied there
 * once. A CPU artifact takes only -1.
 * Fails with a message naming what is missing (the driver, a device) on a
 * machine that cannot run the artifact. */
AUTOGLM_API int autoglm_model_load_on_device(const char *dir, int device, autoglm_model **model);
/* Releases the model; release its contexts first. */
AUTOGLM_API void autoglm_model_release(autoglm_model *model);
/* Where the model runs: "cpu", or the device, e.g.
 * "cuda:0 (NVIDIA H200, sm_90)". Valid while the model is. */
AUTOGLM_API const char *autoglm_model_device(const autoglm_model *model);

AUTOGLM_API size_t autoglm_model_num_inputs(const autoglm_model *model);
AUTOGLM_API size_t autoglm_model_num_outputs(const autoglm_model *model);
/* Index of the input/output called `name`, or -1. */
AUTOGLM_API int64_t autoglm_model_input_index(const autoglm_model *model, const char *name);
AUTOGLM_API int64_t autoglm_model_output_index(const autoglm_model *model, const char *name);
/* Description of input/output i (NULL / 0 when i is out of range). */
AUTOGLM_API const char *autoglm_model_input_name(const autoglm_model *model, size_t i);
AUTOGLM_API autoglm_dtype autoglm_model_input_dtype(const autoglm_model *model, size_t i);
AUTOGLM_API size_t autoglm_model_input_rank(const autoglm_model *model, size_t i);
AUTOGLM_API const int64_t *autoglm_model_input_shape(const autoglm_model *model, size_t i);
AUTOGLM_API size_t autoglm_model_input_bytes(const autoglm_model *model, size_t i);
AUTOGLM_API const char *autoglm_model_output_name(const autoglm_model *model, size_t i);
AUTOGLM_API autoglm_dtype autoglm_model_output_dtype(const autoglm_model *model, size_t i);
AUTOGLM_API size_t autoglm_model_output_rank(const autoglm_model *model, size_t i);
AUTOGLM_API const int64_t *autoglm_model_output_shape(const autoglm_model *model, size_t i);
AUTOGLM_API size_t autoglm_model_output_bytes(const autoglm_model *model, size_t i);
/* A shape with -1 has open extents. An input takes any extents up to
 * autoglm_model_input_max_shape (bind it with its actual shape and bytes;
 * input_bytes is the bound's size). An output's extents follow from the
 * inputs or the data (how many strings survive a StringNormalizer): bind a
 * buffer of its bound, autoglm_model_output_max_shape (output_bytes is the
 * bound's size), and read the extents of each run with
 * autoglm_context_output_shape; the output is dense at the buffer's start.
 * Where nothing is open, max_shape is the shape. */
AUTOGLM_API const int64_t *autoglm_model_input_max_shape(const autoglm_model *model,
                                                          size_t i);
AUTOGLM_API const int64_t *autoglm_model_output_max_shape(const autoglm_model *model,
                                                           size_t i);
/* Bytes of weights compiled into the library (from the manifest); for a GPU
 * artifact, those it holds on the device. */
AUTOGLM_API size_t autoglm_model_weight_bytes(const autoglm_model *model);
/* Scratch memory each context holds for the model's temporaries (shared by
 * liveness; on the device for a GPU artifact), and what they would take
 * without sharing. */
AUTOGLM_API size_t autoglm_model_arena_bytes(const autoglm_model *model);
AUTOGLM_API size_t autoglm_model_naive_temp_bytes(const autoglm_model *model);

/* A context holds the buffers of one run. num_threads <= 0: all cores.
 * For a GPU artifact, the context holds a stream and device buffers for the
 * inputs, the outputs and the arena; num_threads is ignored (and
 * autoglm_context_num_threads says 1). From its second run on, a GPU
 * context replays its kernel launches as one CUDA graph (set
 * AUTOGLM_CUDA_GRAPH=0 for plain launches). A context may be run from any
 * thread, one run at a time. */
AUTOGLM_API int autoglm_context_create(const autoglm_model *model, int num_threads,
                           autoglm_context **context);
AUTOGLM_API void autoglm_context_release(autoglm_context *context);
AUTOGLM_API int autoglm_context_num_threads(const autoglm_context *context);

/* Binds caller-owned memory; dtype, shape and byte size are checked against
 * the model and a mismatch is an error naming the tensor. */
AUTOGLM_API int autoglm_context_set_input(autoglm_context *context, size_t index,
                              autoglm_dtype dtype, size_t rank,
                              const int64_t *shape, const void *data,
                              size_t bytes);
AUTOGLM_API int autoglm_context_set_output(autoglm_context *context, size_t index,
                               autoglm_dtype dtype, size_t rank,
                               const int64_t *shape, void *data, size_t bytes);
/* GPU artifacts: binds device memory in place of host memory. `device_ptr`
 * is an address on the model's device (a CUdeviceptr, or a HIP device
 * pointer, in its primary context; e.g. from autoglm_model_device_alloc or
 * torch's tensor.data_ptr()) that a run reads (input) or writes (output)
 * in place, with no copy; the same checks as above. Binding host memory
 * again returns to copies. A run replays the launches as one graph, which
 * holds the bound addresses: rebinding the same ones costs nothing, other
 * ones a new capture at the next run. Fails for a CPU artifact and for
 * strings. */
AUTOGLM_API int autoglm_context_set_input_device(autoglm_context *context, size_t index,
                                                 autoglm_dtype dtype, size_t rank,
                                                 const int64_t *shape, uint64_t device_ptr,
                                                 size_t bytes);
AUTOGLM_API int autoglm_context_set_output_device(autoglm_context *context, size_t index,
                                                  autoglm_dtype dtype, size_t rank,
                                                  const int64_t *shape, uint64_t device_ptr,
                                                  size_t bytes);
/* GPU artifacts whose inputs and outputs are all bound to device memory:
 * enqueues a run on the context's stream after the runs before it and
 * returns at once; autoglm_context_synchronize waits for them and reports
 * a run-time check any of them failed. (On a CPU artifact, synchronize
 * returns 0 and run_async fails.) */
AUTOGLM_API int autoglm_context_run_async(autoglm_context *context);
AUTOGLM_API int autoglm_context_synchronize(autoglm_context *context);
/* Device memory on a GPU model's device, for callers that do not use the
 * driver API themselves, and blocking copies to and from it. */
AUTOGLM_API int autoglm_model_device_alloc(const autoglm_model *model, size_t bytes,
                                           uint64_t *device_ptr);
AUTOGLM_API int autoglm_model_device_free(const autoglm_model *model, uint64_t device_ptr);
AUTOGLM_API int autoglm_model_copy_to_device(const autoglm_model *model, uint64_t dst,
                                             const void *src, size_t bytes);
AUTOGLM_API int autoglm_model_copy_from_device(const autoglm_model *model, void *dst, uint64_t src,
                                               size_t bytes);

/* Runs the model; every input and output must be bound, and no output's
 * buffer may overlap another bound buffer (inputs may share). String outputs
 * point to bytes the context owns until the end of its next run (so they
 * may be that run's inputs) or its release. */
AUTOGLM_API int autoglm_context_run(autoglm_context *context);
/* Extents of output i from the last run (its model shape before any run). */
AUTOGLM_API const int64_t *autoglm_context_output_shape(const autoglm_context *context,
                                                        size_t i);

/* ---- Per-op timing: an artifact compiled with --profile ---------------
 *
 * The library calls the runtime between its ops; each region is the code of
 * one op (named by the ONNX nodes it computes, several when fused). A
 * context sums the seconds each region took over its runs. A model
 * compiled without --profile has 0 regions (docs/profiling.md). */
AUTOGLM_API size_t autoglm_model_profile_regions(const autoglm_model *model);
AUTOGLM_API const char *autoglm_model_profile_region(const autoglm_model *model, size_t i);
/* Seconds per region summed over the runs since the context was created or
 * reset (their number into *runs when runs is not NULL); NULL without
 * regions. */
AUTOGLM_API const double *autoglm_context_profile(const autoglm_context *context, size_t *runs);
AUTOGLM_API void autoglm_context_profile_reset(autoglm_context *context);

/* ---- Decoder LLMs: an artifact compiled with enable_cache -------------
 *
 * A generator owns a context and the model's KV cache, allocated once: a
 * pool of blocks (each block_size positions of every layer's keys and
 * values) shared by max_batch slots, one sequence per slot. A slot takes
 * blocks from the pool as its sequence grows (paged: none reserves
 * max_seq_len up front) and gives them back when freed. Each call writes the
 * new tokens' keys and values in place and attends over each slot's own
 * length.
 *
 *   autoglm_generator *g;
 *   autoglm_generator_create(model, 0, 0, &g);
 *   autoglm_generator_prefill(g, 0, prompt, n, logits);          // slot 0
 *   int64_t next = autoglm_sample(logits, vocab, 0, 0, 1, &seed); // greedy
 *   size_t slots[] = {0, 1}; int64_t ids[] = {next, other};
 *   autoglm_generator_decode(g, 2, slots, ids, logits2);          // both at once
 *   autoglm_generator_free(g, 0);
 *
 * A failed call (a slot out of range, a decode on an empty slot, a prompt
 * longer than max_seq_len, no free cache blocks) changes no slot. */
typedef struct autoglm_generator autoglm_generator;

/* Fails for a model without an "llm" manifest section, or when its cache
 * needs more than max_cache_bytes (0: no limit). */
AUTOGLM_API int autoglm_generator_create(const autoglm_model *model, int num_threads,
                                         size_t max_cache_bytes, autoglm_generator **gen);
AUTOGLM_API void autoglm_generator_release(autoglm_generator *gen);
/* Slots (max_batch), vocabulary size, longest sequence, most tokens one
 * call of the artifact takes (longer prompts go in chunks of it). */
AUTOGLM_API size_t autoglm_generator_slots(const autoglm_generator *gen);
AUTOGLM_API size_t autoglm_generator_vocab(const autoglm_generator *gen);
AUTOGLM_API size_t autoglm_generator_max_seq_len(const autoglm_generator *gen);
/* Bytes of the KV cache, blocks in the pool and blocks free now. */
AUTOGLM_API size_t autoglm_generator_cache_bytes(const autoglm_generator *gen);
AUTOGLM_API size_t autoglm_generator_blocks(const autoglm_generator *gen);
AUTOGLM_API size_t autoglm_generator_free_blocks(const autoglm_generator *gen);
/* Tokens in `slot`'s cache (0: free). */
AUTOGLM_API size_t autoglm_generator_length(const autoglm_generator *gen, size_t slot);
/* Appends n >= 1 tokens to `slot`'s sequence (a prompt) and writes the
 * logits of the last one (vocab floats; logits may be NULL). */
AUTOGLM_API int autoglm_generator_prefill(autoglm_generator *gen, size_t slot, const int64_t *ids,
                                          size_t n, float *logits);
/* One token for each of n distinct slots that hold a sequence, in one call
 * of the artifact; logits: n x vocab floats, row i for slots[i] (or NULL). */
AUTOGLM_API int autoglm_generator_decode(autoglm_generator *gen, size_t n, const size_t *slots,
                                         const int64_t *ids, float *logits);
/* Ends `slot`'s sequence; its blocks go back to the pool. */
AUTOGLM_API int autoglm_generator_free(autoglm_generator *gen, size_t slot);

/* A token from logits: greedy (the first maximum) when temperature <= 0,
 * else sampled from softmax(logits / temperature) restricted to the top_k
 * most likely (0: all) and to the smallest set whose probability reaches
 * top_p (1: all). *state is the generator's state (any seed; updated). */
AUTOGLM_API int64_t autoglm_sample(const float *logits, size_t vocab, float temperature,
                                   size_t top_k, float top_p, uint64_t *state);

#ifdef __cplusplus
}
#endif

#endif /* AUTOGLM_RUNTIME_H */
