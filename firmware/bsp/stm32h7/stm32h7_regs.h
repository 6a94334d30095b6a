/* STM32H742/743/750/753 peripherals the BSP touches (RM0433). Each base
 * address is behind one macro so the host tests can point it at a register
 * block in RAM (TK_BSP_FAKE_REGISTERS). */
#ifndef TK_STM32H7_REGS_H
#define TK_STM32H7_REGS_H

#include <stdint.h>

#include "stm32_gpio.h"
#include "stm32_layout.h"
#include "stm32_usart.h"

typedef struct {
    volatile uint32_t CR;         /* 0x000 */
    volatile uint32_t HSICFGR;    /* 0x004 */
    volatile uint32_t CRRCR;      /* 0x008 */
    volatile uint32_t CSICFGR;    /* 0x00C */
    volatile uint32_t CFGR;       /* 0x010 */
    uint32_t reserved0;           /* 0x014 */
    volatile uint32_t D1CFGR;     /* 0x018 */
    volatile uint32_t D2CFGR;     /* 0x01C */
    volatile uint32_t D3CFGR;     /* 0x020 */
    uint32_t reserved1;           /* 0x024 */
    volatile uint32_t PLLCKSELR;  /* 0x028 */
    volatile uint32_t PLLCFGR;    /* 0x02C */
    volatile uint32_t PLL1DIVR;   /* 0x030 */
    volatile uint32_t PLL1FRACR;  /* 0x034 */
    uint32_t reserved2[42];       /* 0x038 .. 0x0DC */
    volatile uint32_t AHB4ENR;    /* 0x0E0 */
    volatile uint32_t APB3ENR;    /* 0x0E4 */
    volatile uint32_t APB1LENR;   /* 0x0E8 */
} tk_stm32h7_rcc;

typedef struct {
    volatile uint32_t ACR; /* 0x00 LATENCY bits 3:0, WRHIGHFREQ bits 5:4 */
} tk_stm32h7_flash;

typedef struct {
    volatile uint32_t CR1;   /* 0x00 */
    volatile uint32_t CSR1;  /* 0x04 ACTVOSRDY bit 13 */
    volatile uint32_t CR2;   /* 0x08 */
    volatile uint32_t CR3;   /* 0x0C BYPASS bit 0, LDOEN bit 1, SCUEN bit 2 */
    volatile uint32_t CPUCR; /* 0x10 */
    uint32_t reserved0;      /* 0x14 */
    volatile uint32_t D3CR;  /* 0x18 VOSRDY bit 13, VOS bits 15:14 */
} tk_stm32h7_pwr;

TK_STM32_CHECK_OFFSET(tk_stm32h7_rcc, APB1LENR, 0x0E8u);
TK_STM32_CHECK_OFFSET(tk_stm32h7_pwr, D3CR, 0x18u);

#if defined(TK_BSP_FAKE_REGISTERS)
extern tk_stm32h7_rcc tk_fake_rcc;
extern tk_stm32h7_flash tk_fake_flash;
extern tk_stm32h7_pwr tk_fake_pwr;
extern tk_stm32_gpio tk_fake_gpiod;
extern tk_stm32_usart tk_fake_usart3;
#define TK_STM32H7_RCC (&tk_fake_rcc)
#define TK_STM32H7_FLASH (&tk_fake_flash)
#define TK_STM32H7_PWR (&tk_fake_pwr)
#define TK_STM32H7_GPIOD (&tk_fake_gpiod)
#define TK_STM32H7_USART3 (&tk_fake_usart3)
#else
#define TK_STM32H7_RCC ((tk_stm32h7_rcc *)0x58024400u)
#define TK_STM32H7_FLASH ((tk_stm32h7_flash *)0x52002000u)
#define TK_STM32H7_PWR ((tk_stm32h7_pwr *)0x58024800u)
#define TK_STM32H7_GPIOD ((tk_stm32_gpio *)0x58020C00u)
#define TK_STM32H7_USART3 ((tk_stm32_usart *)0x40004800u)
#endif

#endif /* TK_STM32H7_REGS_H */
