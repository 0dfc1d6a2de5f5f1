package io.rdma4j.tcp;

import java.util.Arrays;

/**
 * A map from int keys (lkeys, rkeys) to values, read on the hot path without allocation or
 * locks: open addressing over arrays that are replaced whole on every change (changes are rare:
 * a registration or a grant).
 *
 * @param <T> the value type
 */
final class KeyTable<T> {
    private static final int EMPTY = 0; // keys are never 0 (see TcpDevice#nextKey)

    private record Arrays2(int[] keys, Object[] values, int size) {}

    private volatile Arrays2 table = new Arrays2(new int[16], new Object[16], 0);

    /** The value of {@code key}, or null. */
    @SuppressWarnings("unchecked")
    T get(int key) {
        Arrays2 t = table;
        int[] keys = t.keys;
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return (T) t.values[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    synchronized void put(int key, T value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key 0");
        }
        Arrays2 t = table;
        int capacity = t.keys.length;
        while ((t.size + 1) * 2 > capacity) {
            capacity *= 2;
        }
        table = rebuild(t, capacity, key, value, true);
    }

    synchronized void remove(int key) {
        Arrays2 t = table;
        if (get(key) != null) {
            table = rebuild(t, t.keys.length, key, null, false);
        }
    }

    synchronized int size() {
        return table.size;
    }

    /** A copy of the values, for teardown. */
    @SuppressWarnings("unchecked")
    synchronized java.util.List<T> values() {
        Arrays2 t = table;
        java.util.List<T> out = new java.util.ArrayList<>(t.size);
        for (int i = 0; i < t.keys.length; i++) {
            if (t.keys[i] != EMPTY) {
                out.add((T) t.values[i]);
            }
        }
        return out;
    }

    private static Arrays2 rebuild(Arrays2 old, int capacity, int key, Object value, boolean add) {
        int[] keys = new int[capacity];
        Object[] values = new Object[capacity];
        int size = 0;
        for (int i = 0; i < old.keys.length; i++) {
            int k = old.keys[i];
            if (k != EMPTY && k != key) {
                insert(keys, values, k, old.values[i]);
                size++;
            }
        }
        if (add) {
            insert(keys, values, key, value);
            size++;
        }
        return new Arrays2(keys, values, size);
    }

    private static void insert(int[] keys, Object[] values, int key, Object value) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    @Override
    public String toString() {
        return "KeyTable" + Arrays.toString(table.keys);
    }
}
