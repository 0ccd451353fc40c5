// Hive Gateway config for the peer comparison: forward the signed LearnPulse principal header
// the caller sends to every subgraph (the subgraphs refuse requests without one).
export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const principal = request.headers.get("x-learnpulse-principal");
      return principal ? { "x-learnpulse-principal": principal } : {};
    },
  },
};
