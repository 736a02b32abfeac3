#include "core/addition_task.h"

#include <algorithm>

namespace r1wb {

AdditionExample format_addition(uint64_t a, uint64_t b) {
  AdditionExample ex;
  ex.prompt = std::to_string(a) + "+" + std::to_string(b) + "=";
  std::string da = std::to_string(a), db = std::to_string(b);
  std::reverse(da.begin(), da.end());
  std::reverse(db.begin(), db.end());
  std::string think;
  int carry = 0;
  for (size_t i = 0; i < std::max(da.size(), db.size()); ++i) {
    int x = i < da.size() ? da[i] - '0' : 0;
    int y = i < db.size() ? db[i] - '0' : 0;
    int s = x + y + carry;
    think += std::to_string(x) + "+" + std::to_string(y);
    if (carry) think += "+1";
    carry = s / 10;
    think += "=" + std::to_string(s) + " c" + std::to_string(carry) + ";";
  }
  ex.completion = "<think>" + think + "</think><answer>" + std::to_string(a + b) + "</answer>\n";
  return ex;
}

int addition_max_tokens(int digits) {
  uint64_t big = 0;
  for (int i = 0; i < digits; ++i) big = big * 10 + 9;
  auto ex = format_addition(big, big);
  return static_cast<int>(ex.prompt.size() + ex.completion.size());
}

}  // namespace r1wb
