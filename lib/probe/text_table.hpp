// Columns padded to their widest cell, for the person reading sipprobe's output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sipproxy::probe {

class text_table {
 public:
  explicit text_table(std::vector<std::string> header) : header_(std::move(header)) {}

  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }

  // The header, then the rows; two spaces between columns, no trailing blanks.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sipproxy::probe
