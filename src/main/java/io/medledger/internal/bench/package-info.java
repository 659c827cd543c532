/** Synthetic workloads shared by the benchmark commands and the JMH benchmarks; not API. */
package io.medledger.internal.bench;
