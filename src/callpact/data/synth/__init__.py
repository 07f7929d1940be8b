"""Building blocks of the synthetic program generator (:mod:`callpact.data.generator`)."""
