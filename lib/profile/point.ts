/** One measured prefill time: the median TTFT of requests with this prompt length on an idle server. */
export interface PrefillPoint {
  promptTokens: number;
  ttftNs: number;
}
