/** Block stores and content-addressed blob stores, in memory and durable. */
package io.medledger.storage;
