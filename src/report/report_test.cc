// Tests for the text, JSON and SARIF writers, on ScanReports built by hand.
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "modelgate/report.h"
#include "report/sarif_uri.h"
#include "report/terminal.h"

namespace modelgate {
namespace {

using nlohmann::json;

Finding MakeFinding(std::string id, Severity sev, std::string path, std::string member = "",
                    std::optional<std::uint64_t> offset = std::nullopt) {
  Finding f;
  f.id = std::move(id);
  f.severity = sev;
  f.title = "Title of " + f.id;
  f.path = std::move(path);
  f.member = std::move(member);
  f.offset = offset;
  f.detail = "Detail of " + f.id + ".";
  f.evidence = {{"global", "os.system"}, {"opcode", "REDUCE"}};
  return f;
}

// evil.pt: critical + medium + info; notes.pkl: low only; clean.safetensors:
// nothing; facts.bin: info only.
ScanReport SampleReport() {
  ScanReport r;
  FileReport evil;
  evil.path = "models/evil.pt";
  evil.format = "pytorch-zip";
  evil.size = 2048;
  evil.findings = {
      MakeFinding("PICKLE-CALL-DENYLISTED", Severity::kCritical, evil.path, "evil/data.pkl", 418),
      MakeFinding("PICKLE-GLOBAL-UNAUDITED", Severity::kMedium, evil.path, "evil/data.pkl", 12),
      MakeFinding("TORCH-TORCHSCRIPT-PRESENT", Severity::kInfo, evil.path),
  };
  FileReport low;
  low.path = "models/notes.pkl";
  low.format = "pickle";
  low.size = 10;
  low.findings = {MakeFinding("PICKLE-TRAILING-BYTES", Severity::kLow, low.path, "", 9)};
  FileReport clean;
  clean.path = "models/clean.safetensors";
  clean.format = "safetensors";
  clean.size = 4096;
  FileReport facts;
  facts.path = "models/facts.bin";
  facts.format = "unknown";
  facts.size = 3;
  facts.findings = {MakeFinding("FILE-UNRECOGNISED", Severity::kInfo, facts.path)};
  r.files = {evil, low, clean, facts};
  r.seconds = 0.25;
  return r;
}

ReportOptions Options() {
  ReportOptions o;
  o.tool_version = "0.1.0";
  return o;
}

// ---- Verdict -------------------------------------------------------------

TEST(FileReport, MaxSeverityIsHighestFindingOrInfoWhenClean) {
  ScanReport r = SampleReport();
  EXPECT_EQ(r.files[0].MaxSeverity(), Severity::kCritical);
  EXPECT_EQ(r.files[1].MaxSeverity(), Severity::kLow);
  EXPECT_EQ(r.files[2].MaxSeverity(), Severity::kInfo);
  // Not relying on the sorted order producers promise.
  FileReport unsorted;
  unsorted.findings = {MakeFinding("A-B", Severity::kLow, "x"), MakeFinding("A-C", Severity::kHigh, "x")};
  EXPECT_EQ(unsorted.MaxSeverity(), Severity::kHigh);
}

TEST(Fails, ComparesMaxSeverityWithThresholdAndNeverFailsCleanFiles) {
  ScanReport r = SampleReport();
  EXPECT_TRUE(Fails(r.files[0], Severity::kHigh));
  EXPECT_FALSE(Fails(r.files[1], Severity::kHigh));
  EXPECT_TRUE(Fails(r.files[1], Severity::kLow));
  EXPECT_FALSE(Fails(r.files[2], Severity::kInfo));  // clean, even at the lowest threshold
  EXPECT_TRUE(Fails(r.files[3], Severity::kInfo));
  EXPECT_TRUE(AnyFails(r, Severity::kCritical));
  r.files.erase(r.files.begin());
  EXPECT_FALSE(AnyFails(r, Severity::kMedium));
}

// ---- Text ----------------------------------------------------------------

TEST(RenderText, ShowsOneVerdictPerFileAndSummary) {
  const std::string text = RenderText(SampleReport(), Options());
  EXPECT_NE(text.find("FAIL  models/evil.pt  (pytorch-zip, 2.0 KiB, max critical)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("WARN  models/notes.pkl"), std::string::npos) << text;
  EXPECT_NE(text.find("PASS  models/clean.safetensors  (safetensors, 4.0 KiB)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("NOTE  models/facts.bin"), std::string::npos) << text;
  EXPECT_NE(text.find("4 files scanned, 1 failed (fail-on high): 1 critical, 0 high, 1 medium, "
                      "1 low, 2 info. FAIL in 0.25s\n"),
            std::string::npos)
      << text;
}

TEST(RenderText, ListsFindingsMostSevereFirstWithLocationAndDetail) {
  ScanReport r = SampleReport();
  std::swap(r.files[0].findings[0], r.files[0].findings[1]);  // medium before critical
  const std::string text = RenderText(r, Options());
  const auto critical = text.find("critical  PICKLE-CALL-DENYLISTED  Title of PICKLE-CALL-DENYLISTED");
  const auto medium = text.find("medium    PICKLE-GLOBAL-UNAUDITED");
  ASSERT_NE(critical, std::string::npos) << text;
  ASSERT_NE(medium, std::string::npos) << text;
  EXPECT_LT(critical, medium);
  EXPECT_NE(text.find("            in evil/data.pkl at offset 418 (0x1a2)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("            Detail of PICKLE-CALL-DENYLISTED.\n"), std::string::npos) << text;
}

TEST(RenderText, HidesInfoFindingsUnlessAsked) {
  ReportOptions o = Options();
  std::string text = RenderText(SampleReport(), o);
  EXPECT_EQ(text.find("TORCH-TORCHSCRIPT-PRESENT"), std::string::npos);
  EXPECT_NE(text.find("1 info finding not shown"), std::string::npos) << text;
  o.show_info = true;
  text = RenderText(SampleReport(), o);
  EXPECT_NE(text.find("info      TORCH-TORCHSCRIPT-PRESENT"), std::string::npos) << text;
  EXPECT_EQ(text.find("not shown"), std::string::npos);
}

TEST(RenderText, UsesAnsiEscapesOnlyWhenColorIsOn) {
  ReportOptions o = Options();
  EXPECT_EQ(RenderText(SampleReport(), o).find('\x1b'), std::string::npos);
  o.color = true;
  const std::string colored = RenderText(SampleReport(), o);
  EXPECT_NE(colored.find("\x1b[1;31mFAIL\x1b[0m"), std::string::npos);
  EXPECT_NE(colored.find("\x1b[1;32mPASS\x1b[0m"), std::string::npos);
}

TEST(RenderText, NeutralisesTerminalEscapesFromHostileStrings) {
  ScanReport r;
  FileReport f;
  f.path = "evil\x1b[2K\rPASS.pt";
  f.format = "pickle";
  Finding x = MakeFinding("PICKLE-CALL-DENYLISTED", Severity::kCritical, f.path,
                          "a\xe2\x80\xae" "b\xc2\x9b" "c");  // RLO and C1 CSI
  x.detail = "line1\nline2\x07";
  x.evidence.clear();
  f.findings = {x};
  r.files = {f};
  const std::string text = RenderText(r, Options());
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b[2K\\x0dPASS.pt"), std::string::npos) << text;
  EXPECT_NE(text.find("a\\u{202e}b\\u{009b}c"), std::string::npos) << text;
  EXPECT_NE(text.find("line1 line2\\x07"), std::string::npos) << text;
}

TEST(RenderText, WrapsLongDetailsWithinOneHundredColumns) {
  ScanReport r = SampleReport();
  std::string detail;
  for (int i = 0; i < 60; ++i) detail += "word" + std::to_string(i) + " ";
  r.files[0].findings[0].detail = detail;
  r.files[0].findings[0].title = std::string(120, 't');  // cannot fit beside the id
  const std::string text = RenderText(r, Options());
  std::size_t start = 0;
  int lines_of_detail = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    if (line.find("word") != std::string::npos) {
      ++lines_of_detail;
      EXPECT_LE(line.size(), 100u) << line;
      EXPECT_EQ(line.rfind("            ", 0), 0u) << line;
    }
    start = end + 1;
  }
  EXPECT_GE(lines_of_detail, 3);
  EXPECT_NE(text.find("\n            " + std::string(120, 't') + "\n"), std::string::npos);
}

TEST(RenderText, InvalidUtf8IsShownAsHexBytes) {
  EXPECT_EQ(report_internal::TerminalSafe("ok\xff\xc0\x80z"), "ok\\xff\\xc0\\x80z");
  EXPECT_EQ(report_internal::TerminalSafe("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(report_internal::TerminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(report_internal::TerminalSafe("\xf0\x9f\x98"), "\\xf0\\x9f\\x98");  // truncated
}

// ---- JSON ----------------------------------------------------------------

TEST(RenderJson, HasVersionedSchemaAndSummary) {
  const json doc = json::parse(RenderJson(SampleReport(), Options()));
  EXPECT_EQ(doc["schema"], std::string(kScanReportSchemaUri));
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["tool"]["name"], "modelgate");
  EXPECT_EQ(doc["tool"]["version"], "0.1.0");
  EXPECT_EQ(doc["fail_on"], "high");
  EXPECT_EQ(doc["verdict"], "fail");
  EXPECT_EQ(doc["summary"]["files"], 4);
  EXPECT_EQ(doc["summary"]["files_failed"], 1);
  EXPECT_EQ(doc["summary"]["findings"], 5);
  EXPECT_EQ(doc["summary"]["by_severity"]["critical"], 1);
  EXPECT_EQ(doc["summary"]["by_severity"]["high"], 0);
  EXPECT_EQ(doc["summary"]["by_severity"]["info"], 2);
  EXPECT_DOUBLE_EQ(doc["elapsed_seconds"].get<double>(), 0.25);
}

TEST(RenderJson, DescribesEachFileAndFinding) {
  const json doc = json::parse(RenderJson(SampleReport(), Options()));
  ASSERT_EQ(doc["files"].size(), 4u);
  const json& evil = doc["files"][0];
  EXPECT_EQ(evil["path"], "models/evil.pt");
  EXPECT_EQ(evil["format"], "pytorch-zip");
  EXPECT_EQ(evil["size"], 2048);
  EXPECT_EQ(evil["max_severity"], "critical");
  EXPECT_EQ(evil["verdict"], "fail");
  const json& f = evil["findings"][0];
  EXPECT_EQ(f["id"], "PICKLE-CALL-DENYLISTED");
  EXPECT_EQ(f["severity"], "critical");
  EXPECT_EQ(f["member"], "evil/data.pkl");
  EXPECT_EQ(f["offset"], 418);
  EXPECT_EQ(f["evidence"]["global"], "os.system");
  EXPECT_TRUE(evil["findings"][2]["offset"].is_null());
  const json& clean = doc["files"][2];
  EXPECT_TRUE(clean["max_severity"].is_null());
  EXPECT_EQ(clean["verdict"], "pass");
  EXPECT_TRUE(clean["findings"].empty());
}

TEST(RenderJson, KeepsKeysInDocumentedOrder) {
  const std::string out = RenderJson(SampleReport(), Options());
  const char* keys[] = {"\"schema\"", "\"schema_version\"", "\"tool\"", "\"fail_on\"",
                        "\"verdict\"", "\"summary\"", "\"files\":", "\"elapsed_seconds\""};
  std::size_t last = 0;
  for (const char* k : keys) {
    const std::size_t at = out.find(k);
    ASSERT_NE(at, std::string::npos) << k;
    EXPECT_GE(at, last) << k;
    last = at;
  }
  EXPECT_EQ(out.back(), '\n');
}

TEST(RenderJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  ScanReport r = SampleReport();
  r.files[0].path = "bad\xff\xfename.pt";
  r.files[0].findings[0].member = "m\xc3";
  r.files[0].findings[0].evidence = {{"k\x80", "v\xff"}};
  std::string out;
  ASSERT_NO_THROW(out = RenderJson(r, Options()));
  const json doc = json::parse(out);  // throws on invalid UTF-8
  EXPECT_EQ(doc["files"][0]["path"], "bad\xef\xbf\xbd\xef\xbf\xbdname.pt");
  EXPECT_EQ(doc["files"][0]["findings"][0]["member"], "m\xef\xbf\xbd");
  EXPECT_EQ(doc["files"][0]["findings"][0]["evidence"]["k\xef\xbf\xbd"], "v\xef\xbf\xbd");
}

TEST(RenderJson, KeepsRepeatedEvidenceKeys) {
  ScanReport r = SampleReport();
  r.files[0].findings[0].evidence = {{"global", "os.system"}, {"global", "posix.system"}};
  const json doc = json::parse(RenderJson(r, Options()));
  const json& ev = doc["files"][0]["findings"][0]["evidence"];
  EXPECT_EQ(ev["global"], "os.system");
  EXPECT_EQ(ev["global#2"], "posix.system");
}

TEST(RenderJson, PassVerdictWhenNothingReachesThreshold) {
  ReportOptions o = Options();
  o.fail_on = Severity::kCritical;
  ScanReport r = SampleReport();
  r.files.erase(r.files.begin());
  const json doc = json::parse(RenderJson(r, o));
  EXPECT_EQ(doc["verdict"], "pass");
  EXPECT_EQ(doc["fail_on"], "critical");
}

// ---- SARIF ---------------------------------------------------------------

TEST(RenderSarif, HasRequiredTopLevelStructure) {
  const json doc = json::parse(RenderSarif(SampleReport(), Options()));
  EXPECT_EQ(doc["version"], "2.1.0");
  EXPECT_NE(doc["$schema"].get<std::string>().find("sarif-schema-2.1.0.json"), std::string::npos);
  ASSERT_EQ(doc["runs"].size(), 1u);
  const json& driver = doc["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "modelgate");
  EXPECT_EQ(driver["version"], "0.1.0");
  EXPECT_TRUE(driver["informationUri"].is_string());
}

TEST(RenderSarif, RulesAreUniqueAndCarrySecuritySeverity) {
  const json doc = json::parse(RenderSarif(SampleReport(), Options()));
  const json& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 5u);
  std::set<std::string> ids;
  for (const json& rule : rules) {
    EXPECT_TRUE(ids.insert(rule["id"].get<std::string>()).second) << rule["id"];
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
    EXPECT_TRUE(rule["fullDescription"]["text"].is_string());
    EXPECT_EQ(rule["properties"]["tags"], json::array({"security"}));
  }
  EXPECT_EQ(rules[0]["id"], "FILE-UNRECOGNISED");  // sorted by id
  for (const json& rule : rules) {
    if (rule["id"] == "PICKLE-CALL-DENYLISTED") {
      EXPECT_EQ(rule["properties"]["security-severity"], "9.5");
      EXPECT_EQ(rule["defaultConfiguration"]["level"], "error");
      EXPECT_EQ(rule["helpUri"], std::string(kFindingsDocUri) + "#pickle-call-denylisted");
    }
    if (rule["id"] == "PICKLE-GLOBAL-UNAUDITED") {
      EXPECT_EQ(rule["properties"]["security-severity"], "5.5");
    }
    if (rule["id"] == "FILE-UNRECOGNISED") {
      EXPECT_EQ(rule["properties"]["security-severity"], "0.0");
    }
  }
}

TEST(RenderSarif, MapsLevelsAndRuleIndexes) {
  const json doc = json::parse(RenderSarif(SampleReport(), Options()));
  const json& run = doc["runs"][0];
  const json& results = run["results"];
  ASSERT_EQ(results.size(), 5u);  // the clean file contributes none
  std::map<std::string, std::string> level;
  for (const json& res : results) {
    const std::string id = res["ruleId"];
    level[id] = res["level"];
    EXPECT_EQ(run["tool"]["driver"]["rules"][res["ruleIndex"].get<std::size_t>()]["id"], id);
    EXPECT_FALSE(res["partialFingerprints"].empty());
    EXPECT_EQ(res["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
  }
  EXPECT_EQ(level["PICKLE-CALL-DENYLISTED"], "error");
  EXPECT_EQ(level["PICKLE-GLOBAL-UNAUDITED"], "warning");
  EXPECT_EQ(level["PICKLE-TRAILING-BYTES"], "note");
  EXPECT_EQ(level["FILE-UNRECOGNISED"], "note");
  for (const json& res : results) {
    EXPECT_NE(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              "models/clean.safetensors");
  }
}

TEST(RenderSarif, HighMapsToError) {
  ScanReport r;
  FileReport f;
  f.path = "a.pkl";
  f.findings = {MakeFinding("PICKLE-X", Severity::kHigh, "a.pkl")};
  r.files = {f};
  const json doc = json::parse(RenderSarif(r, Options()));
  EXPECT_EQ(doc["runs"][0]["results"][0]["level"], "error");
  EXPECT_EQ(doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"], "8.0");
}

TEST(RenderSarif, PutsMemberChainInLogicalLocationAndFileOffsetInRegion) {
  const json doc = json::parse(RenderSarif(SampleReport(), Options()));
  const json& results = doc["runs"][0]["results"];
  const json& member_result = results[0];
  EXPECT_EQ(member_result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "evil/data.pkl");
  EXPECT_FALSE(member_result["locations"][0]["physicalLocation"]["region"].contains("byteOffset"));
  EXPECT_EQ(member_result["properties"]["offset"], 418);
  const json& file_result = results[3];  // PICKLE-TRAILING-BYTES at offset 9 of the file
  EXPECT_EQ(file_result["ruleId"], "PICKLE-TRAILING-BYTES");
  EXPECT_EQ(file_result["locations"][0]["physicalLocation"]["region"]["byteOffset"], 9);
  EXPECT_EQ(file_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "models/notes.pkl");
}

TEST(RenderSarif, FingerprintsAreStableAndDistinct) {
  const json a = json::parse(RenderSarif(SampleReport(), Options()));
  const json b = json::parse(RenderSarif(SampleReport(), Options()));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < a["runs"][0]["results"].size(); ++i) {
    const json& fa = a["runs"][0]["results"][i]["partialFingerprints"];
    EXPECT_EQ(fa, b["runs"][0]["results"][i]["partialFingerprints"]);
    EXPECT_TRUE(seen.insert(fa.begin().value().get<std::string>()).second);
  }
}

TEST(RenderSarif, NoResultsForCleanReport) {
  ScanReport r;
  FileReport f;
  f.path = "ok.safetensors";
  r.files = {f};
  const json doc = json::parse(RenderSarif(r, Options()));
  EXPECT_TRUE(doc["runs"][0]["results"].is_array());
  EXPECT_TRUE(doc["runs"][0]["results"].empty());
  EXPECT_TRUE(doc["runs"][0]["tool"]["driver"]["rules"].empty());
}

TEST(RenderSarif, InvalidUtf8PathDoesNotThrowAndIsPercentEncoded) {
  ScanReport r;
  FileReport f;
  f.path = "dir\\we ird\xff#.pt";
  Finding x = MakeFinding("PICKLE-CALL-DENYLISTED", Severity::kCritical, f.path, "m\xfe");
  x.title = "t\xff";
  f.findings = {x};
  r.files = {f};
  std::string out;
  ASSERT_NO_THROW(out = RenderSarif(r, Options()));
  const json doc = json::parse(out);
  EXPECT_EQ(doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dir/we%20ird%FF%23.pt");
}

TEST(SarifArtifactUri, NormalisesRelativeAndAbsolutePaths) {
  using report_internal::SarifArtifactUri;
  EXPECT_EQ(SarifArtifactUri("./models/x.pt"), "models/x.pt");
  EXPECT_EQ(SarifArtifactUri("models\\x.pt"), "models/x.pt");
  EXPECT_EQ(SarifArtifactUri("/srv/m/x.pt"), "file:///srv/m/x.pt");
  EXPECT_EQ(SarifArtifactUri("C:\\m\\x.pt"), "file:///C:/m/x.pt");
  EXPECT_EQ(SarifArtifactUri("caf\xc3\xa9.pt"), "caf%C3%A9.pt");
}

}  // namespace
}  // namespace modelgate
