#pragma once

#include <memory>

#include "core/logging.hpp"
#include "services/business/business_service_config.hpp"

namespace prometheus {
class Registry;
}
namespace vg::obs {
class Readiness;
}

namespace vg::services::business {

struct BusinessDeps {
    prometheus::Registry& registry;
    obs::Readiness& readiness;
    const LogSystem& logs;
};

// `visiongrid business`: product analysis and review, homework correction and medical analysis on
// top of the model pool. Each request: the image checked (DICOM decoded for medical analysis), the
// task's prompt and result schema sent to the model (schema-constrained output), the answer
// validated and its business rules applied, and the whole record stored — whatever the outcome.
// GET /api/results/{id} and GET /api/results (filters, cursor pagination) read them back.
class BusinessService {
public:
    BusinessService(const BusinessServiceConfig& config, BusinessDeps deps);
    ~BusinessService();
    void start();
    void stop();
    unsigned short port() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vg::services::business
