/* STM32L4R5/L4S5 (L4+) peripherals the BSP touches (RM0432). Each base
 * address is behind one macro so the host tests can point it at a register
 * block in RAM (TK_BSP_FAKE_REGISTERS). */
#ifndef TK_STM32L4_REGS_H
#define TK_STM32L4_REGS_H

#include <stdint.h>

#include "stm32_gpio.h"
#include "stm32_layout.h"
#include "stm32_usart.h"

typedef struct {
    volatile uint32_t CR;          /* 0x00 */
    volatile uint32_t ICSCR;       /* 0x04 */
    volatile uint32_t CFGR;        /* 0x08 */
    volatile uint32_t PLLCFGR;     /* 0x0C */
    volatile uint32_t PLLSAI1CFGR; /* 0x10 */
    volatile uint32_t PLLSAI2CFGR; /* 0x14 */
    volatile uint32_t CIER;        /* 0x18 */
    volatile uint32_t CIFR;        /* 0x1C */
    volatile uint32_t CICR;        /* 0x20 */
    uint32_t reserved0;            /* 0x24 */
    volatile uint32_t AHB1RSTR;    /* 0x28 */
    volatile uint32_t AHB2RSTR;    /* 0x2C */
    volatile uint32_t AHB3RSTR;    /* 0x30 */
    uint32_t reserved1;            /* 0x34 */
    volatile uint32_t APB1RSTR1;   /* 0x38 */
    volatile uint32_t APB1RSTR2;   /* 0x3C */
    volatile uint32_t APB2RSTR;    /* 0x40 */
    uint32_t reserved2;            /* 0x44 */
    volatile uint32_t AHB1ENR;     /* 0x48 */
    volatile uint32_t AHB2ENR;     /* 0x4C */
    volatile uint32_t AHB3ENR;     /* 0x50 */
    uint32_t reserved3;            /* 0x54 */
    volatile uint32_t APB1ENR1;    /* 0x58 */
    volatile uint32_t APB1ENR2;    /* 0x5C */
    volatile uint32_t APB2ENR;     /* 0x60 */
} tk_stm32l4_rcc;

typedef struct {
    volatile uint32_t ACR; /* 0x00 LATENCY bits 3:0, PRFTEN 8, ICEN 9, DCEN 10 */
} tk_stm32l4_flash;

typedef struct {
    volatile uint32_t CR1;       /* 0x00 VOS bits 10:9 */
    volatile uint32_t CR2;       /* 0x04 IOSV bit 9 */
    volatile uint32_t CR3;       /* 0x08 */
    volatile uint32_t CR4;       /* 0x0C */
    volatile uint32_t SR1;       /* 0x10 */
    volatile uint32_t SR2;       /* 0x14 VOSF bit 10 */
    uint32_t reserved[26];       /* 0x18 .. 0x7C */
    volatile uint32_t CR5;       /* 0x80 R1MODE bit 8 */
} tk_stm32l4_pwr;

TK_STM32_CHECK_OFFSET(tk_stm32l4_rcc, APB1ENR2, 0x5Cu);
TK_STM32_CHECK_OFFSET(tk_stm32l4_pwr, CR5, 0x80u);

#if defined(TK_BSP_FAKE_REGISTERS)
extern tk_stm32l4_rcc tk_fake_rcc;
extern tk_stm32l4_flash tk_fake_flash;
extern tk_stm32l4_pwr tk_fake_pwr;
extern tk_stm32_gpio tk_fake_gpiog;
extern tk_stm32_usart tk_fake_lpuart1;
#define TK_STM32L4_RCC (&tk_fake_rcc)
#define TK_STM32L4_FLASH (&tk_fake_flash)
#define TK_STM32L4_PWR (&tk_fake_pwr)
#define TK_STM32L4_GPIOG (&tk_fake_gpiog)
#define TK_STM32L4_LPUART1 (&tk_fake_lpuart1)
#else
#define TK_STM32L4_RCC ((tk_stm32l4_rcc *)0x40021000u)
#define TK_STM32L4_FLASH ((tk_stm32l4_flash *)0x40022000u)
#define TK_STM32L4_PWR ((tk_stm32l4_pwr *)0x40007000u)
#define TK_STM32L4_GPIOG ((tk_stm32_gpio *)0x48001800u)
#define TK_STM32L4_LPUART1 ((tk_stm32_usart *)0x40008000u)
#endif

#endif /* TK_STM32L4_REGS_H */
