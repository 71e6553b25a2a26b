// One pass over the window: a 256-entry table says which bytes can open a
// magic, so the common byte costs one lookup; a printable-run tracker finds
// script text. Confirmations read only inside the window (bounds-checked
// through Byte/Le16/Le32 below), never past its end.
#include "forensics/signature_scan.h"

#include <algorithm>
#include <cstring>

namespace modelgate::forensics {
namespace {

struct Tables {
  std::array<bool, 256> opener{};
  std::array<bool, 256> printable{};
  Tables() {
    for (int c : {0x7f, int{'M'}, int{'P'}, 0x1f, int{'#'}, 0xfe, 0xce, 0xcf, 0xca, int{'%'}}) opener[c] = true;
    for (int c = 0x20; c < 0x7f; ++c) printable[c] = true;
    printable['\t'] = printable['\n'] = printable['\r'] = true;
  }
};
const Tables& T() {
  static const Tables t;
  return t;
}

class Window {
 public:
  explicit Window(ByteView w) : w_(w) {}
  // -1 when `i` is outside the window.
  int Byte(std::size_t i) const { return i < w_.size() ? w_[i] : -1; }
  bool Has(std::size_t i, std::size_t n) const { return i <= w_.size() && n <= w_.size() - i; }
  bool Equals(std::size_t i, std::string_view s) const {
    return Has(i, s.size()) && std::memcmp(w_.data() + i, s.data(), s.size()) == 0;
  }
  std::uint32_t Le16(std::size_t i) const { return w_[i] | (w_[i + 1] << 8); }  // REQUIRES: Has(i, 2)
  std::uint32_t Le32(std::size_t i) const {                                      // REQUIRES: Has(i, 4)
    return Le16(i) | (Le16(i + 2) << 16);
  }
  std::uint32_t Be32(std::size_t i) const {
    return (std::uint32_t{w_[i]} << 24) | (w_[i + 1] << 16) | (w_[i + 2] << 8) | w_[i + 3];
  }
  const std::uint8_t* data() const { return w_.data(); }

 private:
  ByteView w_;
};

// e_ident: class 32/64, data LSB/MSB, version 1.
bool ConfirmElf(const Window& w, std::size_t p) {
  if (!w.Has(p, 16)) return false;
  int cls = w.Byte(p + 4), data = w.Byte(p + 5), version = w.Byte(p + 6);
  return (cls == 1 || cls == 2) && (data == 1 || data == 2) && version == 1;
}

// MZ stub whose e_lfanew (offset 0x3c) points at "PE\0\0" inside the lookahead.
bool ConfirmPe(const Window& w, std::size_t p, std::uint32_t* length) {
  if (!w.Has(p, 0x40)) return false;
  std::uint32_t lfanew = w.Le32(p + 0x3c);
  if (lfanew < 0x40 || lfanew > kSignatureLookahead - 4) return false;
  if (!w.Equals(p + lfanew, std::string_view("PE\0\0", 4))) return false;
  *length = lfanew + 4;
  return true;
}

// Local file header: a sane "version needed", a known method, a name length.
bool ConfirmZip(const Window& w, std::size_t p) {
  if (!w.Has(p, 30)) return false;
  std::uint32_t version = w.Le16(p + 4), method = w.Le16(p + 8), name_len = w.Le16(p + 26);
  bool known_method = method == 0 || method == 8 || method == 9 || method == 12 || method == 14 ||
                      method == 93 || method == 95 || method == 99;
  return version <= 100 && known_method && name_len >= 1 && name_len <= 1024;
}

// RFC 1952: reserved flag bits clear, XFL 0/2/4, OS 0..13 or 255.
bool ConfirmGzip(const Window& w, std::size_t p) {
  if (!w.Has(p, 10)) return false;
  int flags = w.Byte(p + 3), xfl = w.Byte(p + 8), os = w.Byte(p + 9);
  return (flags & 0xe0) == 0 && (xfl == 0 || xfl == 2 || xfl == 4) && (os <= 13 || os == 255);
}

// "#!/path/to/interp" or "#!interp" with a known interpreter, printable up to
// the end of the line.
bool ConfirmShebang(const Window& w, std::size_t p, std::uint32_t* length) {
  static constexpr std::string_view kInterpreters[] = {"/bin/", "/usr/bin/", "/usr/local/bin/", "/sbin/",
                                                       "python", "bash", "sh ", "perl", "ruby", "node",
                                                       "env "};
  std::size_t i = p + 2;
  bool known = false;
  for (std::string_view s : kInterpreters) known = known || w.Equals(i, s);
  if (!known) return false;
  const auto& printable = T().printable;
  for (std::size_t n = 0; n < 256; ++n) {
    int c = w.Byte(i + n);
    if (c == '\n') {
      *length = static_cast<std::uint32_t>(n + 3);
      return n >= 2;
    }
    if (c < 0 || !printable[c] || c == '\r' || c == '\t') return false;
  }
  return false;
}

// Thin Mach-O (32/64, either byte order) with a known CPU type and a file
// type 1..12; fat (0xcafebabe) with 1..32 architectures (Java classes share
// the magic but carry a version >= 45 there).
bool ConfirmMachO(const Window& w, std::size_t p) {
  if (!w.Has(p, 16)) return false;
  std::uint32_t be = w.Be32(p);
  if (be == 0xcafebabe) {
    std::uint32_t n = w.Be32(p + 4);
    return n >= 1 && n <= 32;
  }
  bool little = (be == 0xcefaedfe || be == 0xcffaedfe);
  bool big = (be == 0xfeedface || be == 0xfeedfacf);
  if (!little && !big) return false;
  std::uint32_t cpu = little ? w.Le32(p + 4) : w.Be32(p + 4);
  std::uint32_t type = little ? w.Le32(p + 12) : w.Be32(p + 12);
  bool known_cpu = cpu == 7 || cpu == 0x01000007 || cpu == 12 || cpu == 0x0100000c || cpu == 18 ||
                   cpu == 0x01000012;
  return known_cpu && type >= 1 && type <= 12;
}

// "%PDF-1.x" / "%PDF-2.x".
bool ConfirmPdf(const Window& w, std::size_t p) {
  return (w.Equals(p, "%PDF-1.") || w.Equals(p, "%PDF-2.")) && w.Byte(p + 7) >= '0' && w.Byte(p + 7) <= '9';
}

bool HasScriptKeyword(std::string_view text) {
  static constexpr std::string_view kKeywords[] = {
      "import ", "os.system", "subprocess", "exec(", "eval(", "/bin/sh", "/bin/bash", "bash -", "curl ",
      "wget ", "powershell", "socket", "base64", "chmod ", "def ", "echo ", "rm -", "__import__", "/dev/tcp",
      "nc -", "function ", "require(", "Invoke-"};
  for (std::string_view k : kKeywords) {
    if (text.find(k) != std::string_view::npos) return true;
  }
  return false;
}

// Checks the magics that can start with byte w[p] and confirms them.
template <typename Emit, typename RawHit>
void Magic(const Window& w, std::size_t p, Emit&& emit, RawHit&& raw_hit) {
  const int c = w.Byte(p);
  std::uint32_t len = 0;
  switch (c) {
    case 0x7f:
      if (w.Equals(p, "\x7f" "ELF")) {
        raw_hit(Signature::kElf);
        if (ConfirmElf(w, p)) emit(Signature::kElf, p, 16);
      }
      break;
    case 'M':
      if (w.Byte(p + 1) == 'Z') {
        raw_hit(Signature::kPe);
        if (ConfirmPe(w, p, &len)) emit(Signature::kPe, p, len);
      }
      break;
    case 'P':
      if (w.Equals(p, "PK\x03\x04")) {
        raw_hit(Signature::kZip);
        if (ConfirmZip(w, p)) emit(Signature::kZip, p, 30);
      }
      break;
    case 0x1f:
      if (w.Equals(p, "\x1f\x8b\x08")) {
        raw_hit(Signature::kGzip);
        if (ConfirmGzip(w, p)) emit(Signature::kGzip, p, 10);
      }
      break;
    case '#':
      if (w.Byte(p + 1) == '!') {
        raw_hit(Signature::kShebang);
        if (ConfirmShebang(w, p, &len)) emit(Signature::kShebang, p, len);
      }
      break;
    case '%':
      if (w.Equals(p, "%PDF")) {
        raw_hit(Signature::kPdf);
        if (ConfirmPdf(w, p)) emit(Signature::kPdf, p, 8);
      }
      break;
    default:  // 0xfe 0xce 0xcf 0xca: Mach-O magics
      if (w.Has(p, 4)) {
        std::uint32_t be = w.Be32(p);
        if (be == 0xfeedface || be == 0xfeedfacf || be == 0xcefaedfe || be == 0xcffaedfe || be == 0xcafebabe) {
          raw_hit(Signature::kMachO);
          if (ConfirmMachO(w, p)) emit(Signature::kMachO, p, 16);
        }
      }
      break;
  }
}

}  // namespace

std::string_view SignatureName(Signature s) {
  switch (s) {
    case Signature::kElf: return "ELF executable";
    case Signature::kPe: return "PE executable";
    case Signature::kZip: return "ZIP archive";
    case Signature::kGzip: return "gzip stream";
    case Signature::kShebang: return "script with #! line";
    case Signature::kMachO: return "Mach-O executable";
    case Signature::kPdf: return "PDF document";
    case Signature::kScriptText: return "script text";
    case Signature::kCount: break;
  }
  return "unknown";
}

std::uint32_t SignatureMagicBytes(Signature s) {
  switch (s) {
    case Signature::kElf: case Signature::kZip: case Signature::kMachO: case Signature::kPdf: return 4;
    case Signature::kGzip: return 3;
    case Signature::kPe: case Signature::kShebang: return 2;
    case Signature::kScriptText: case Signature::kCount: break;
  }
  return 0;
}

void FindSignatures(ByteView window, std::size_t scan_end, int prev, std::size_t max_matches,
                    std::vector<SignatureMatch>* matches, RawMagicCounts* raw) {
  const Tables& t = T();
  const Window w(window);
  scan_end = std::min(scan_end, window.size());
  const std::uint8_t* d = window.data();
  auto emit = [&](Signature s, std::size_t p, std::uint32_t len) {
    if (matches->size() < max_matches) matches->push_back({s, p, len});
  };
  auto raw_hit = [&](Signature s) { ++raw->hits[static_cast<std::size_t>(s)]; };
  // Length of the printable run ending at p, updated without branches; a
  // run continuing from before the window never counts (it started there).
  constexpr std::size_t kBefore = std::size_t{1} << 40;
  std::size_t run = (prev >= 0 && t.printable[static_cast<std::uint8_t>(prev)]) ? kBefore : 0;
  auto script = [&](std::size_t start) {
    std::size_t limit = std::min(window.size(), start + kSignatureLookahead);
    std::size_t e = start;
    while (e < limit && t.printable[d[e]]) ++e;
    bool shebang = !matches->empty() && matches->back().position == start;  // reported once, as the #! line
    if (!shebang && HasScriptKeyword(std::string_view(reinterpret_cast<const char*>(d + start), e - start))) {
      emit(Signature::kScriptText, start, static_cast<std::uint32_t>(e - start));
    }
  };
  for (std::size_t p = 0; p < scan_end; ++p) {
    const std::uint8_t c = d[p];
    if (t.opener[c]) Magic(w, p, emit, raw_hit);
    run = (run + 1) & (std::size_t{0} - t.printable[c]);  // branch-free: 38% of noise bytes are printable
    if (run == kScriptMinRun) script(p + 1 - kScriptMinRun);
  }
  // A run that starts before scan_end but reaches its minimum length only in
  // the lookahead still belongs to this window.
  if (run > 0 && run < kScriptMinRun) {
    std::size_t start = scan_end - run;
    for (std::size_t p = scan_end; p < window.size() && t.printable[d[p]]; ++p) {
      if (++run == kScriptMinRun) {
        script(start);
        break;
      }
    }
  }
}

}  // namespace modelgate::forensics
