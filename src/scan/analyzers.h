// Analyzers: one per content type. Each reads one Blob through its format
// reader, turns what the reader saw into findings (format readers never
// decide what is dangerous), and queues members it finds with
// ScanContext::EnqueueChild. None recurses: nesting goes through the queue.
//
// Each analyzer must leave at least one finding when it could not fully
// parse its input (parse errors are findings, never "clean").
#ifndef MODELGATE_SCAN_ANALYZERS_H_
#define MODELGATE_SCAN_ANALYZERS_H_

#include "scan/scan_context.h"

namespace modelgate {

void AnalyzePickle(const Blob& blob, ScanContext& ctx);   // pickle_analyzer.cc
void AnalyzeZip(const Blob& blob, ScanContext& ctx);      // zip_analyzer.cc
void AnalyzeNpy(const Blob& blob, ScanContext& ctx);      // npy_analyzer.cc
// tar, 7z and single-stream compression (gzip, bzip2, xz, lzma, zlib, zstd).
void AnalyzeArchive(const Blob& blob, ScanContext& ctx);  // archive_analyzer.cc

}  // namespace modelgate

#endif  // MODELGATE_SCAN_ANALYZERS_H_
