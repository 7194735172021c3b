//===- runtime.hpp - C++ wrapper over the Ingot runtime C API -------------===//
//
//   ingot::Model model("model.ingot");        // throws ingot::Error
//   ingot::Session session(model, {.num_threads = 4});
//   std::vector<ingot::Tensor> outputs = session.run({{"x", data}});
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_HPP
#define INGOT_RUNTIME_HPP

#include "ingot/runtime.h"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ingot {

class Error : public std::runtime_error {
public:
  Error(ingot_status_code code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  ingot_status_code code() const { return code_; }

private:
  ingot_status_code code_;
};

inline void check(ingot_status *status) {
  if (!status)
    return;
  Error error(ingot_status_get_code(status), ingot_status_message(status));
  ingot_status_free(status);
  throw error;
}

/// A tensor with its own storage (outputs, or inputs built by the caller).
struct Tensor {
  std::string name;
  ingot_dtype dtype = INGOT_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  size_t count() const {
    size_t n = 1;
    for (int64_t d : shape)
      n *= static_cast<size_t>(d);
    return n;
  }
  template <class T> T *as() { return reinterpret_cast<T *>(data.data()); }
  template <class T> const T *as() const {
    return reinterpret_cast<const T *>(data.data());
  }
};

class Model {
public:
  explicit Model(const std::string &path) {
    ingot_model *m = nullptr;
    check(ingot_model_load(path.c_str(), &m));
    model_.reset(m, ingot_model_release);
  }
  ingot_model *get() const { return model_.get(); }
  size_t numInputs() const { return ingot_model_num_inputs(get()); }
  size_t numOutputs() const { return ingot_model_num_outputs(get()); }
  ingot_tensor_info input(size_t i) const {
    ingot_tensor_info info;
    check(ingot_model_input(get(), i, &info));
    return info;
  }
  ingot_tensor_info output(size_t i) const {
    ingot_tensor_info info;
    check(ingot_model_output(get(), i, &info));
    return info;
  }
  /// The sizes dimension `dim` of input `i` accepts (ingotc --dim):
  /// {min, max, multiple}; min == max where the dimension is static.
  struct DimRange {
    int64_t min, max, multiple;
  };
  DimRange inputDimRange(size_t i, size_t dim) const {
    DimRange r{};
    check(ingot_model_input_dim_range(get(), i, dim, &r.min, &r.max,
                                      &r.multiple));
    return r;
  }

private:
  std::shared_ptr<ingot_model> model_;
};

/// The C++ side of ingot_session_options (struct_size is filled in).
struct SessionOptions {
  int numThreads = 0; // 0: one per core
  bool noCudaGraph = false;
};

class Session {
public:
  explicit Session(const Model &model, SessionOptions options = {})
      : model_(model) {
    ingot_session_options c;
    ingot_session_options_init(&c);
    c.num_threads = options.numThreads;
    c.no_cuda_graph = options.noCudaGraph ? 1 : 0;
    ingot_session *s = nullptr;
    check(ingot_session_create(model.get(), &c, &s));
    session_.reset(s);
  }
  /// Runs with the given inputs (matched by name) and returns copies of the
  /// outputs.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) {
    std::vector<ingot_tensor> in;
    for (const Tensor &t : inputs)
      in.push_back({t.name.empty() ? nullptr : t.name.c_str(), t.dtype,
                    t.shape.data(), t.shape.size(),
                    const_cast<uint8_t *>(t.data.data()), t.data.size()});
    std::vector<ingot_tensor> out(model_.numOutputs());
    for (ingot_tensor &t : out)
      std::memset(&t, 0, sizeof t);
    check(ingot_session_run(session_.get(), in.data(), in.size(), out.data(),
                            out.size()));
    std::vector<Tensor> result;
    for (const ingot_tensor &t : out) {
      Tensor r;
      r.name = t.name;
      r.dtype = t.dtype;
      r.shape.assign(t.shape, t.shape + t.rank);
      const uint8_t *p = static_cast<const uint8_t *>(t.data);
      r.data.assign(p, p + t.size_bytes);
      result.push_back(std::move(r));
    }
    return result;
  }
  ingot_session *get() const { return session_.get(); }

private:
  struct Release {
    void operator()(ingot_session *s) const { ingot_session_release(s); }
  };
  Model model_;
  std::unique_ptr<ingot_session, Release> session_;
};

} // namespace ingot

#endif
