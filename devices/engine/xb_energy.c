#include "xb_energy.h"

#include <math.h>

/* ISAAC's in-situ multiply-accumulate unit (Shafiee et al., "ISAAC: A
 * Convolutional Neural Network Accelerator with In-Situ Analog Arithmetic in
 * Crossbars", ISCA 2016, Table I, 32 nm): 8 crossbars of 128 × 128 cells
 * (2.4 mW), 8 × 128 1-bit DACs (4 mW), 8 ADCs of 8 bits at 1.28 GS/s
 * (16 mW), a crossbar read every 100 ns. Per event:
 *   DAC   4 mW / 1024 DACs · 100 ns           = 0.390625 pJ per 1-bit conversion
 *   cell  2.4 mW / 8 arrays · 100 ns / 16384  = 1.8310546875 fJ per device read
 *   ADC   2 mW / 1.28 GS/s = 1.5625 pJ per 8-bit conversion = fom · 2^8,
 *         fom = 6.103515625 fJ per conversion step (Walden's figure of merit,
 *         P / (2^ENOB · f_s), the measure of Murmann's ADC Performance Survey) */
#define SRC_ISAAC "Shafiee et al., ISAAC, ISCA 2016, Table I"
#define SRC_HOROWITZ "Horowitz, Computing's energy problem, ISSCC 2014 (32-bit add, 45 nm)"

#define OFF(f) .offset = offsetof(struct xb_energy_params, f)
/* Written into a run's /config only when set: the text of a run that sets
 * no price is what it was before the group existed. */
#define GROUP .group = "energy", .flags = XB_KEY_OMIT_DEFAULT

static const struct xb_key keys[] = {
    {GROUP, .name = "dac_energy", .type = XB_KEY_REAL, .unit = "J", .def = 3.90625e-13,
     .min = 0, .max = 1e-6, OFF(dac_energy),
     .help = "DAC energy per conversion and bit (a b-bit conversion costs b of them)",
     .source = SRC_ISAAC ": 1024 1-bit DACs, 4 mW, 100 ns read"},
    {GROUP, .name = "cell_energy", .type = XB_KEY_REAL, .unit = "J", .def = 1.8310546875e-15,
     .min = 0, .max = 1e-6, OFF(cell_energy),
     .help = "array energy per device per read (two devices per weight)",
     .source = SRC_ISAAC ": 8 arrays of 128 x 128 cells, 2.4 mW, 100 ns read"},
    {GROUP, .name = "adc_fom", .type = XB_KEY_REAL, .unit = "J", .def = 6.103515625e-15,
     .min = 0, .max = 1e-6, OFF(adc_fom),
     .help = "ADC Walden figure of merit: a b-bit conversion costs adc_fom * 2^b",
     .source = SRC_ISAAC ": 8-bit ADC, 2 mW at 1.28 GS/s (Walden FOM as in Murmann's ADC "
               "Performance Survey)"},
    {GROUP, .name = "add_energy", .type = XB_KEY_REAL, .unit = "J", .def = 1e-13, .min = 0,
     .max = 1e-6, OFF(add_energy),
     .help = "digital addition (partial sums across tiles, accumulate-only operations)",
     .source = SRC_HOROWITZ},
    {GROUP, .name = "ac_energy", .type = XB_KEY_REAL, .unit = "J", .def = 0.9e-12, .min = 0,
     .max = 1e-6, OFF(ac_energy),
     .help = "spiking nets' digital reference: an accumulate-only operation (paper 002 eqs. "
             "7-8, E_AC)",
     .source = "paper 002 Table 7 (32-bit FP add, 45 nm; Horowitz ISSCC 2014)"},
    {GROUP, .name = "mac_energy", .type = XB_KEY_REAL, .unit = "J", .def = 4.6e-12, .min = 0,
     .max = 1e-6, OFF(mac_energy),
     .help = "spiking nets' digital reference: a multiply-accumulate (paper 002 eqs. 7-8, "
             "E_MAC; the ANN's and a direct-input first layer's)",
     .source = "paper 002 Table 7 (32-bit FP multiply + add, 45 nm; Horowitz ISSCC 2014)"},
    {GROUP, .name = "t_read", .type = XB_KEY_REAL, .unit = "s", .def = 1e-7, .min = 0,
     .max = 1, OFF(t_read), .help = "array read time, the DAC's drive included",
     .source = SRC_ISAAC ": 100 ns crossbar read"},
    {GROUP, .name = "adc_rate", .type = XB_KEY_REAL, .unit = "1/s", .def = 1.28e9, .min = 1,
     .max = 1e12, OFF(adc_rate), .help = "conversions per second of one ADC",
     .source = SRC_ISAAC ": 1.28 GS/s"},
    {GROUP, .name = "adcs_per_tile", .type = XB_KEY_INT, .unit = "1", .def = 1, .min = 1,
     .max = 65536, OFF(adcs_per_tile), .store = XB_STORE_INT,
     .help = "ADCs that share the columns of one tile",
     .source = SRC_ISAAC ": 8 ADCs for 8 crossbars"},
    {GROUP, .name = "ideal_dac_bits", .type = XB_KEY_INT, .unit = "bits", .def = 8, .min = 0,
     .max = XB_QUANT_MAX_BITS, OFF(ideal_dac_bits), .store = XB_STORE_INT,
     .help = "DAC resolution costed when xbar.dac_bits = 0 (ideal in the simulation); 0: "
             "not costed",
     .source = "IBM/aihwkit StandardIOParameters (8-bit DAC)"},
    {GROUP, .name = "ideal_adc_bits", .type = XB_KEY_INT, .unit = "bits", .def = 8, .min = 0,
     .max = XB_QUANT_MAX_BITS, OFF(ideal_adc_bits), .store = XB_STORE_INT,
     .help = "ADC resolution costed when xbar.adc_bits = 0 (ideal in the simulation); 0: "
             "not costed",
     .source = SRC_ISAAC ": 8-bit ADC"},
};
#define N_KEYS (sizeof keys / sizeof *keys)

const struct xb_key *xb_energy_keys(size_t *n)
{
    *n = N_KEYS;
    return keys;
}

void xb_energy_params_default(struct xb_energy_params *e)
{
    xb_key_defaults(keys, N_KEYS, e);
}

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

void xb_energy_read(const struct xb_energy_params *e, const struct xb_xbar_params *x,
                    size_t out, size_t in, struct xb_energy_read *r)
{
    XB_ASSERT(out >= 1 && in >= 1 && x->tile_rows >= 1 && x->tile_cols >= 1);
    XB_ASSERT(e->adcs_per_tile >= 1 && e->adc_rate > 0);
    const size_t rows = (size_t)x->tile_rows, cols = (size_t)x->tile_cols;
    r->tiles_in = ceil_div(in, rows);
    r->tiles_out = ceil_div(out, cols);
    r->dac_bits = x->dac_bits ? x->dac_bits : e->ideal_dac_bits;
    r->adc_bits = x->adc_bits ? x->adc_bits : e->ideal_adc_bits;
    r->dac_conv = r->dac_bits ? (uint64_t)in * r->tiles_out : 0;
    r->cell_reads = 2 * (uint64_t)in * out;
    r->adc_conv = r->adc_bits ? (uint64_t)out * r->tiles_in : 0;
    r->adds = (uint64_t)out * (r->tiles_in - 1);
    r->e_dac = (double)r->dac_conv * r->dac_bits * e->dac_energy;
    r->e_array = (double)r->cell_reads * e->cell_energy;
    r->e_adc = (double)r->adc_conv * ldexp(e->adc_fom, r->adc_bits);
    r->e_add = (double)r->adds * e->add_energy;
    /* The widest tile sets the pace; an ideal ADC that is not costed takes
     * no time either. */
    const size_t widest = out < cols ? out : cols;
    const size_t per_adc = ceil_div(widest, (size_t)e->adcs_per_tile);
    r->tau = e->t_read + (r->adc_bits ? (double)per_adc / e->adc_rate : 0.0);
}

double xb_energy_read_spiking(const struct xb_energy_params *e, const struct xb_energy_read *r,
                              double in_rate)
{
    XB_ASSERT(in_rate >= 0.0 && in_rate <= 1.0);
    const double e_dac = in_rate * (double)r->dac_conv * e->dac_energy;
    return e_dac + in_rate * r->e_array + r->e_adc + r->e_add;
}

double xb_energy_read_total(const struct xb_energy_read *r)
{
    return r->e_dac + r->e_array + r->e_adc + r->e_add;
}
