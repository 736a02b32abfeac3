// `r1wb-run schema`: every config key as a Markdown table (docs/config-reference.md).
#include "core/config/config_schema.h"
#include "gpu/cli/commands.h"

#include <iostream>

namespace r1wb::gpu {

int cmd_schema(const std::vector<std::string>&) {
  std::cout << schema_markdown();
  return kExitOk;
}

}  // namespace r1wb::gpu
