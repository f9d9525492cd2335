// Baseline (a), the harness ceiling: a Worker that answers every request with a fixed JSON body
// of about the size of a 10-message snapshot. Nothing is cheaper to serve through this harness.
const body = JSON.stringify({
  success: true,
  data: {
    _id: "b0000000000000000000a010",
    padding: "x".repeat(3000),
  },
});

export default {
  fetch() {
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
};
