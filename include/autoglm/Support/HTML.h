//===- HTML.h - what the HTML reports share -----------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only: the compiler's report page (lib/Compiler/ReportHTML.cpp) and
// autoglm-run's profile page (no LLVM) both include it.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_HTML_H
#define AUTOGLM_SUPPORT_HTML_H

#include <string>

namespace autoglm {

/// `s` as HTML text or an attribute value (&, <, > and " escaped).
inline std::string htmlEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace autoglm

#endif // AUTOGLM_SUPPORT_HTML_H
